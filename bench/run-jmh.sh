#!/usr/bin/env bash
# Builds the JMH benchmarks (mvn -Pbench package) and runs them with the project's JVM flags.
#   bench/run-jmh.sh                 all benchmarks
#   bench/run-jmh.sh OracleBench -f 1 -wi 2 -i 3     any JMH options
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jdk=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
[ -x "$jdk/bin/java" ] || { echo "run-jmh: set JAVA_HOME to a JDK 25" >&2; exit 2; }
export JAVA_HOME=$jdk MAVEN_OPTS=${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}
(cd "$root" && mvn -B -q -ntp -Pbench -DskipTests package)
# The forks get the same vector width as ./pauc: 512-bit where the CPU has AVX-512 (PAUC_VECTOR_FLAGS overrides).
vector_flags=${PAUC_VECTOR_FLAGS-}
if [ -z "${PAUC_VECTOR_FLAGS+set}" ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  vector_flags="-XX:UseAVX=3"
fi
if [ -n "$vector_flags" ]; then
  exec "$jdk/bin/java" --add-modules jdk.incubator.vector -jar "$root/target/bench/pauc-bench.jar" \
    -jvmArgsAppend "$vector_flags" "$@"
fi
exec "$jdk/bin/java" --add-modules jdk.incubator.vector -jar "$root/target/bench/pauc-bench.jar" "$@"
