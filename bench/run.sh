#!/usr/bin/env bash
# Runs every Cairn benchmark beside its peers and writes the tables of docs/benchmarks.md.
#
#   ./mvnw -B -pl bench -am package -DskipTests      # builds bench/target/benchmarks.jar
#   bench/run.sh                                      # everything, about 60 minutes
#   bench/run.sh onerecord transfer                   # only some parts
#   QUICK=1 bench/run.sh                              # a few minutes: checks that everything runs
#
# Parts: onerecord transfer bulkload pointread recovery memory backup (default: all, in that order).
# Results go to $OUT (default bench/target/results/<date>): JMH's CSV and log per run, the
# harnesses' CSV files, and summary.md, the Markdown tables with Cairn's ratios to its peers.
#
# Environment:
#   JAVA            java executable (default: java on the PATH)
#   OUT             results directory
#   STORES          comma-separated stores (default: every store usable here; Berkeley DB in C is
#                   included when Debian's libdb5.3-java and libdb5.3-java-jni are installed)
#   THREADS         thread counts of the durable-commit benchmarks (default "1 4 16 64")
#   RECOVERY_STORES stores of the recovery harness (default: $STORES)
#   RECOVERY_REOPENS reopens of copies of each store's crashed directory; the median is reported (default 3)
#   MEMORY_STORES   stores of the small-heap load (default "cairn"; "cairn je" compares with JE)
#   BDB_JAR         Berkeley DB's Java API (default /usr/share/java/db.jar)
#   BDB_LIB_DIR     directory of libdb_java-5.3.so (default /usr/lib/x86_64-linux-gnu)
#   JMH_EXTRA       more JMH options for every JMH run, e.g. "-prof gc"
set -euo pipefail

HERE=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
JAR=$HERE/target/benchmarks.jar
JAVA=${JAVA:-java}
OUT=${OUT:-$HERE/target/results/$(date +%Y%m%d-%H%M%S)}
BDB_JAR=${BDB_JAR:-/usr/share/java/db.jar}
BDB_LIB_DIR=${BDB_LIB_DIR:-/usr/lib/x86_64-linux-gnu}
THREADS=${THREADS:-"1 4 16 64"}
MEMORY_STORES=${MEMORY_STORES:-cairn}
RECOVERY_REOPENS=${RECOVERY_REOPENS:-3}
JMH_EXTRA=${JMH_EXTRA:-}
QUICK=${QUICK:-}

if [[ ! -f $JAR ]]; then
    echo "no $JAR: build it first with ./mvnw -B -pl bench -am package -DskipTests" >&2
    exit 1
fi
mkdir -p "$OUT"

# db.jar goes after benchmarks.jar: it also carries old copies of classes that JE ships
# (com.sleepycat.bind, .util, ...); JE's must win, and the C API only needs its own package.
CP=$JAR
if [[ -f $BDB_JAR ]]; then
    CP=$CP:$BDB_JAR
fi
# JMH's forked JVMs inherit these JVM options and the class path.
JVM=("$JAVA" "-Djava.library.path=$BDB_LIB_DIR:/usr/lib/jni:/usr/java/packages/lib:/usr/lib64:/lib64:/lib:/usr/lib"
     -Dbench.dir="$HERE/target/bench-data" -cp "$CP")

if [[ -z ${STORES:-} ]]; then
    # Prints the usable stores; a note on stderr for each one skipped, e.g. Berkeley DB in C.
    STORES=$("${JVM[@]}" org.cairndb.bench.store.Stores)
fi
RECOVERY_STORES=${RECOVERY_STORES:-$STORES}

if [[ -n $QUICK ]]; then
    # Enough to see that every benchmark runs and gives sane numbers, not to publish.
    ITER=(-wi 1 -w 1s -i 1 -r 2s)
    BULK_ITER=(-wi 0 -i 1)
    RECORDS=200000
    RECOVERY_MB=20
    MEMORY_RECORDS=2000000
    BACKUP_ARGS=(--mb 128 --seconds 2 --runs 1 --replay-mb 32)
else
    ITER=(-wi 1 -w 3s -i 3 -r 3s)
    BULK_ITER=(-wi 1 -i 2)
    RECORDS=1000000
    RECOVERY_MB=200
    MEMORY_RECORDS=10000000
    BACKUP_ARGS=(--mb 1024 --seconds 10 --runs 3 --replay-mb 256)
fi

PARTS=("$@")
if [[ ${#PARTS[@]} -eq 0 ]]; then
    PARTS=(onerecord transfer bulkload pointread recovery memory backup)
fi

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "java: $("$JAVA" -version 2>&1 | head -1)"
    echo "stores: $STORES"
    echo "commit: $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [[ -n $QUICK ]]; then
        echo "QUICK run: preliminary, not for publication"
    fi
} | tee "$OUT/environment.txt"

jmh() { # name, then JMH arguments
    local name=$1
    shift
    echo "== $name"
    # shellcheck disable=SC2086
    "${JVM[@]}" org.openjdk.jmh.Main "$@" -f 1 -rf csv -rff "$OUT/$name.csv" $JMH_EXTRA 2>&1 | tee "$OUT/$name.log" \
        | grep -E '^(# Parameters|Iteration|Result|[A-Za-z]+Bench\.)|stats:|add up|Exception|Error' || true
}

for part in "${PARTS[@]}"; do
    case $part in
        onerecord)
            for t in $THREADS; do
                jmh "onerecord-t$t" OneRecordTxnBench -p store="$STORES" -t "$t" "${ITER[@]}"
            done
            ;;
        transfer)
            for t in $THREADS; do
                jmh "transfer-t$t" TransferBench -p store="$STORES" -t "$t" "${ITER[@]}"
            done
            ;;
        bulkload)
            jmh bulkload BulkLoadBench -p store="$STORES" -p records="$RECORDS" "${BULK_ITER[@]}"
            ;;
        pointread)
            jmh pointread PointReadBench -p store="$STORES" -p records="$RECORDS" "${ITER[@]}"
            ;;
        recovery)
            echo "== recovery"
            "${JVM[@]}" org.cairndb.bench.harness.RecoveryBench --stores "$RECOVERY_STORES" --mb "$RECOVERY_MB" \
                --reopens "$RECOVERY_REOPENS" --csv "$OUT/recovery.csv" 2>&1 | grep -v -E '^(INFO|[A-Z][a-z]{2} [0-9]+, [0-9]{4})' | tee "$OUT/recovery.log"
            ;;
        memory)
            rm -f "$OUT/memory.csv"
            for s in $MEMORY_STORES; do
                echo "== memory ($s, -Xmx256m)"
                # A failure here (OutOfMemoryError) is a result, not a reason to stop the run.
                "${JVM[0]}" -Xmx256m "${JVM[@]:1}" org.cairndb.bench.harness.MemoryBench --store "$s" --records "$MEMORY_RECORDS" --cache 64m \
                    --csv "$OUT/memory.csv" 2>&1 | grep -v -E '^(INFO|[A-Z][a-z]{2} [0-9]+, [0-9]{4})' \
                    | tee "$OUT/memory-$s.log" || true
            done
            ;;
        backup)
            echo "== backup (hot backup of 1 GiB while a writer runs; catastrophic recovery rate, in this JVM and by cairn recover -c)"
            "${JVM[@]}" org.cairndb.bench.harness.BackupBench "${BACKUP_ARGS[@]}" --cli "$HERE/../bin/cairn" --csv "$OUT/backup.csv" 2>&1 \
                | grep -v -E '^(INFO|[A-Z][a-z]{2} [0-9]+, [0-9]{4})' | tee "$OUT/backup.log"
            ;;
        *)
            echo "unknown part '$part' (onerecord transfer bulkload pointread recovery memory backup)" >&2
            exit 2
            ;;
    esac
done

"${JVM[@]}" org.cairndb.bench.harness.Report "$OUT" | tee "$OUT/summary.md"
echo
echo "results: $OUT (summary.md has the tables)"
