#!/usr/bin/env bash
# Load a real third-party Otter manager-database seed as its own users load it (the seeds' README):
#   load_seed.sh CLIENT_CNF REALWORLD_DIR KIND WORK_DIR
# KIND: otter-init-sql       herry-go/otter-init's sql/ files, as its author's run left them
#       otter-init-template  its template/ files, filled with its otter_conf.bash sample values
#       docker               alibaba/otter's docker ddl.sql, filled as its app.sh fills it
set -euo pipefail
cnf=$1 realworld=$2 kind=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
client() { mariadb --defaults-file="$cnf" "$@"; }

case $kind in
otter-init-sql|otter-init-template)
    src=$realworld/herry-go-otter-init/${kind#otter-init-}
    cp "$src"/*.sql "$work"/
    if [ "$kind" = otter-init-template ]; then
        # otter_conf.bash's sample values; the binlog positions are those its sql/ run recorded.
        sed -i \
            -e 's/{zk_cluster_address}/zk-svc:2181/g' -e 's/{zk_cluster_name}/zk1/g' \
            -e 's/{master_idc_node1_id}/212/g' -e 's/{master_idc_node2_id}/213/g' \
            -e 's/{slave_idc_node1_id}/214/g' -e 's/{slave_idc_node2_id}/215/g' \
            -e 's/{master_idc_node1_external_ip}/10.30.36.211/g' -e 's/{master_idc_node2_external_ip}/10.30.36.212/g' \
            -e 's/{slave_idc_node1_external_ip}/10.20.15.211/g' -e 's/{slave_idc_node2_external_ip}/10.20.15.212/g' \
            -e 's/{master_idc_node1}/10.30.36.211/g' -e 's/{master_idc_node2}/10.30.36.212/g' \
            -e 's/{slave_idc_node1}/10.20.15.211/g' -e 's/{slave_idc_node2}/10.20.15.212/g' \
            -e 's/{master_idc_mysql_master_ip}/10.30.36.211/g' -e 's/{master_idc_mysql_master_port}/3306/g' \
            -e 's/{master_idc_mysql_slave_ip1}/10.30.36.212/g' -e 's/{master_idc_mysql_slave_port1}/3306/g' \
            -e 's/{slave_idc_mysql_master_ip}/10.20.15.211/g' -e 's/{slave_idc_mysql_master_port}/3306/g' \
            -e 's/{slave_idc_mysql_slave_ip1}/10.20.15.212/g' -e 's/{slave_idc_mysql_slave_port1}/3306/g' \
            -e 's/{binlog_file}/mariadb-bin.000027/g' -e 's/{binlog_pos}/5895866/g' \
            -e 's/{slave_binlog_file}/mariadb-bin.000006/g' -e 's/{slave_binlog_pos}/455880918/g' \
            "$work"/*.sql
    fi
    # otter_init.bash's order, one client run per file.
    for table in OTTER AUTOKEEPER_CLUSTER NODE CANAL DATA_MEDIA_SOURCE DATA_MEDIA DATA_MEDIA_PAIR CHANNEL PIPELINE \
                 PIPELINE_NODE_RELATION SYSTEM_PARAMETER DATA_MATRIX; do
        client < "$work/$table.sql"
    done
    ;;
docker)
    sed -e 's/#OTTER_MY_ZK#/127.0.0.1:2181/g' -e 's/#OTTER_NODE_HOST#/127.0.0.1/g' \
        "$realworld/alibaba-otter/docker-image-admin-bin-ddl.sql" > "$work/ddl.sql"
    client --execute 'DROP DATABASE IF EXISTS otter'
    client --execute "source $work/ddl.sql"
    ;;
*)
    echo "load_seed.sh: unknown seed $kind" >&2
    exit 2
    ;;
esac
