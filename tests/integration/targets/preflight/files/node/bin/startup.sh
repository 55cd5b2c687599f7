#!/usr/bin/env bash
# A stand-in of an Otter node's bin/startup.sh, in the shape of the node deployer's: the home is the folder above
# bin, the nid comes from conf/nid as -Dnid, the pid goes to bin/otter.pid. The test never runs it (Otter cannot be
# built here); otter_home reads it for -D options.
bin_abs_path=$(readlink -f "$(dirname "$0")")
base=$bin_abs_path/..
otterNodeIdFile=$base/conf/nid
logback_configurationFile=$base/conf/logback.xml

if [ -f "$base/bin/otter.pid" ]; then
    echo "found otter.pid, run stop.sh first, then startup.sh" >&2
    exit 1
fi

JAVA_OPTS="-server -Xms1024m -Xmx1024m -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true -Dfile.encoding=UTF-8"
OTTER_OPTS="-DappName=otter-node -Ddubbo.application.logger=slf4j -Dlogback.configurationFile=$logback_configurationFile -Dnid=$(cat "$otterNodeIdFile")"
echo "would start: java $JAVA_OPTS $OTTER_OPTS -classpath $base/conf:$base/lib/* com.alibaba.otter.node.deployer.OtterLauncher"
