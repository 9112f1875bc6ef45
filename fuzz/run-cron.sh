#!/usr/bin/env bash
# Builds fuzz/fuzz-cron.c with clang + libFuzzer (AddressSanitizer, UBSan,
# leak detection) against the library's AioCron sources, and runs it.
#
#   fuzz/run-cron.sh [SECONDS]        (default 60)
#
# Exits non-zero on a crash, a failed check, a sanitizer report or a leak.
# Needs Debian's clang-14 and libclang-rt-14-dev (libFuzzer), and meson to
# generate the library's headers. Work files go to $FUZZ_BUILD_DIR
# (default: _build-fuzz at the top of the tree); the corpus grows there.
set -euo pipefail

seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/_build-fuzz}
cc=${FUZZ_CC:-$(command -v clang || command -v clang-14 || echo clang)}

if ! command -v "$cc" >/dev/null; then
  echo "run-cron.sh: $cc not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

# The generated headers (aio-version.h, aio-enums.h) come from a minimal
# meson build of the library.
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" -Dintrospection=disabled -Dvapi=disabled \
    -Dtests=false -Dexamples=false >/dev/null
fi
ninja -C "$build" aiomisc-glib/aio-enums.h >/dev/null

glib_flags=$(pkg-config --cflags glib-2.0 gobject-2.0 gio-2.0)
glib_libs=$(pkg-config --libs glib-2.0 gobject-2.0 gio-2.0)

# shellcheck disable=SC2086
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DAIOMISC_GLIB_COMPILATION '-DG_LOG_DOMAIN="Aio"' \
  -I"$root/aiomisc-glib" -I"$build/aiomisc-glib" $glib_flags \
  "$root/fuzz/fuzz-cron.c" "$root/aiomisc-glib/aio-cron.c" "$root/aiomisc-glib/aio-error.c" \
  $glib_libs -o "$build/fuzz-cron"

corpus=$build/fuzz-cron-corpus
mkdir -p "$corpus"
seed=0
for expression in '* * * * *' '*/15 9-17 * * MON-FRI' '0 0 1,15 * SUN' '30 2 * * *' \
                  '0 0 29 2 *' '@weekly' '0 12 * JAN-DEC/3 FRI-SUN 30' '1-30/5 */5 * * *' \
                  '5,10 0-23/2 */3 * 0-7 */7' '0 0 31 2 MON'; do
  printf '%s' "$expression" > "$corpus/seed-$seed"
  seed=$((seed + 1))
done

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
exec "$build/fuzz-cron" -max_total_time="$seconds" -max_len=128 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -dict="$root/fuzz/cron.dict" "$corpus"
