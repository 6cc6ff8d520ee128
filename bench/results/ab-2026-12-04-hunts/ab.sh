#!/bin/bash
# alternating A/B of the old (4016e3a) and new (main) bench jars, Cairn only
out=/tmp/prof/ab-$(date +%H%M); mkdir -p $out
run() { # label jar bench args...
  local label=$1 jar=$2 name=$3; shift 3
  rm -rf /tmp/prof/abdata
  java -Dbench.dir=/tmp/prof/abdata -cp $jar org.openjdk.jmh.Main "$@" -f 1 -rf csv -rff $out/$name-$label.csv > $out/$name-$label.log 2>&1
  echo "$name $label: $(grep -E '^[A-Za-z]+Bench\.[a-z]+ ' $out/$name-$label.log | awk '{print $(NF-3), $(NF-2), $(NF-1)}' | head -1)"
}
OLD=/tmp/wt-old/bench/target/benchmarks.jar; NEW=/tmp/wt-new/bench/target/benchmarks.jar
for r in 1 2; do
  for v in old new; do J=$OLD; [ $v = new ] && J=$NEW
    run $v$r $J pointread PointReadBench -p store=cairn -p records=1000000 -wi 1 -w 3s -i 3 -r 3s
  done
done
for v in old new old new; do J=$OLD; [ $v = new ] && J=$NEW
  run $v $J bulkload BulkLoadBench -p store=cairn -p records=1000000 -wi 1 -i 2
done
for v in old new old new; do J=$OLD; [ $v = new ] && J=$NEW
  run $v $J onerecord-t16 OneRecordTxnBench -p store=cairn -t 16 -wi 1 -w 3s -i 3 -r 3s
done
