#!/usr/bin/env bash
# A stand-in of an Otter manager's bin/startup.sh, in the shape of the manager deployer's: the configuration is
# conf/otter.properties, passed as -Dotter.conf. The test never runs it; otter_home reads it for -D options.
bin_abs_path=$(readlink -f "$(dirname "$0")")
base=$bin_abs_path/..
otter_conf=$base/conf/otter.properties
logback_configurationFile=$base/conf/logback.xml

JAVA_OPTS="-server -Xms1024m -Xmx1024m -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true -Dfile.encoding=UTF-8"
OTTER_OPTS="-DappName=otter-manager -Ddubbo.application.logger=slf4j -Dlogback.configurationFile=$logback_configurationFile -Dotter.conf=$otter_conf"
echo "would start: java $JAVA_OPTS $OTTER_OPTS -classpath $base:$base/conf:$base/lib/* com.alibaba.otter.manager.deployer.OtterManagerLauncher"
