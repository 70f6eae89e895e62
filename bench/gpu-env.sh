# Sourced by the GPU scripts: finds Java (JAVA_HOME, a runtime packed by make-runtime.sh at .gpu-carry/jre.tar.xz, or
# `java` on the PATH), the jar and the NVIDIA libraries; defines PAUC (the command as an array), pauc (a function)
# and step (a heading with the time).
step() { echo; echo "== $* ($(date -u +%H:%M:%S))"; }
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"
elif [ -f .gpu-carry/jre.tar.xz ]; then mkdir -p /tmp/pauc-jre && tar -xJf .gpu-carry/jre.tar.xz -C /tmp/pauc-jre && java=/tmp/pauc-jre/bin/java
else java=$(command -v java || true); fi
[ -n "$java" ] || { echo "no Java 25 runtime"; exit 2; }
[ -f target/pauc.jar ] || { echo "no target/pauc.jar: run mvn package first"; exit 2; }

step "machine"
if [ "${PAUC_DRY_RUN:-0}" != 1 ]; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
fi
"$java" -version 2>&1 | head -1
find_lib() { # the first file named like $1 under the usual roots
  find /usr/local/cuda* /usr/lib /usr/local/lib /opt / -xdev -name "$1" 2>/dev/null | head -1; }
if [ "${PAUC_DRY_RUN:-0}" != 1 ]; then
  : "${PAUC_LIBCUBLAS:=$(find_lib 'libcublas.so.13')}"; [ -n "$PAUC_LIBCUBLAS" ] || PAUC_LIBCUBLAS=$(find_lib 'libcublas.so.12')
  : "${PAUC_LIBNVRTC:=$(find_lib 'libnvrtc.so.13')}"; [ -n "$PAUC_LIBNVRTC" ] || PAUC_LIBNVRTC=$(find_lib 'libnvrtc.so.12')
  # cuDNN and NCCL are optional: without them convolutions take im2col and gradients the host
  : "${PAUC_LIBCUDNN:=$(find_lib 'libcudnn.so.9')}"
  : "${PAUC_LIBNCCL:=$(find_lib 'libnccl.so.2')}"
  export PAUC_LIBCUBLAS PAUC_LIBNVRTC
  [ -n "$PAUC_LIBCUDNN" ] && export PAUC_LIBCUDNN
  [ -n "$PAUC_LIBNCCL" ] && export PAUC_LIBNCCL
  # NVRTC and cuDNN open their companion libraries by soname; pauc loads them from the same folder, the loader
  # path is a second chance
  export LD_LIBRARY_PATH="$(dirname "$PAUC_LIBNVRTC"):$(dirname "$PAUC_LIBCUBLAS")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "libcublas: $PAUC_LIBCUBLAS"
  echo "libnvrtc:  $PAUC_LIBNVRTC"
  echo "libcudnn:  ${PAUC_LIBCUDNN:-not found}"
  echo "libnccl:   ${PAUC_LIBNCCL:-not found}"
fi
PAUC=("$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dpauc.home=. -jar target/pauc.jar)
pauc() { "${PAUC[@]}" "$@" 2> >(grep -v 'incubator' >&2); }

