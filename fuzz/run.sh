#!/usr/bin/env bash
# Builds one libFuzzer harness with clang (AddressSanitizer, UBSan, leak
# detection) against the library sources it tests, seeds its corpus, and
# runs it.
#
#   fuzz/run.sh TARGET [SECONDS]        (default 60)
#
# TARGET is cron (fuzz-cron.c, the AioCron parser) or log-format
# (fuzz-log-format.c, the log writer's formats). Exits non-zero on a crash,
# a failed check, a sanitizer report or a leak. Needs Debian's clang-14 and
# libclang-rt-14-dev (libFuzzer), and meson to generate the library's
# headers. Work files go to $FUZZ_BUILD_DIR (default: _build-fuzz at the top
# of the tree); the corpus grows there.
set -euo pipefail

target=${1:?usage: fuzz/run.sh cron|log-format [SECONDS]}
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/_build-fuzz}
cc=${FUZZ_CC:-$(command -v clang || command -v clang-14 || echo clang)}

# Per target: the library sources it links, its libFuzzer options, its seeds.
case "$target" in
  cron)
    sources=("$root/aiomisc-glib/aio-cron.c" "$root/aiomisc-glib/aio-error.c")
    options=(-max_len=128 -dict="$root/fuzz/cron.dict")
    seeds=('* * * * *' '*/15 9-17 * * MON-FRI' '0 0 1,15 * SUN' '30 2 * * *'
           '0 0 29 2 *' '@weekly' '0 12 * JAN-DEC/3 FRI-SUN 30' '1-30/5 */5 * * *'
           '5,10 0-23/2 */3 * 0-7 */7' '0 0 31 2 MON')
    ;;
  log-format)
    sources=("$root/aiomisc-glib/aio-log-format.c")
    options=(-max_len=512 -dict="$root/fuzz/log-format.dict")
    # printf formats: level, options (bit n: field n binary), time; fields
    # split by \x1e; "\x01=" is GLIB_DOMAIN, "\x03=" GLIB_OLD_LOG_API
    seeds=('\x04\x00\x10MESSAGE=hello\x1e\x01=Aio\x1ePRIORITY=6'
           '\x02\x00\x20MESSAGE=bad \xc3\x28 utf-8 \xed\xa0\x80 and \xf4\x90\x80\x80\x1etimestamp=1'
           '\x01\x06\x30MESSAGE=ctl \x01\x1b[31m\x7f\r\n\xc2\x85\x1eBIN=\x00\xff\x00\x1elevel=x'
           '\x13\x00\x40\x03=1\x1eMESSAGE=old api \\ "quoted"\t\x1e\x01=\xff\xfe'
           '\x05\x02\x50\xff\xfe=\xe2\x82\xac\x1e=\x1eMESSAGE')
    ;;
  *)
    echo "run.sh: unknown target $target (cron, log-format)" >&2
    exit 2
    ;;
esac

if ! command -v "$cc" >/dev/null; then
  echo "run.sh: $cc not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

# The generated headers (aio-version.h, aio-enums.h) come from a minimal
# meson build of the library.
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" -Dintrospection=disabled -Dvapi=disabled \
    -Dtests=disabled -Dexamples=disabled -Dbench=disabled -Dsoup=disabled -Dgtk=disabled >/dev/null
fi
ninja -C "$build" aiomisc-glib/aio-enums.h >/dev/null

glib_flags=$(pkg-config --cflags glib-2.0 gobject-2.0 gio-2.0)
glib_libs=$(pkg-config --libs glib-2.0 gobject-2.0 gio-2.0)

# shellcheck disable=SC2086
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DAIOMISC_GLIB_COMPILATION '-DG_LOG_DOMAIN="Aio"' \
  -I"$root/aiomisc-glib" -I"$build/aiomisc-glib" $glib_flags \
  "$root/fuzz/fuzz-$target.c" "${sources[@]}" \
  $glib_libs -o "$build/fuzz-$target"

corpus=$build/fuzz-$target-corpus
mkdir -p "$corpus"
for i in "${!seeds[@]}"; do
  # shellcheck disable=SC2059
  printf "${seeds[$i]}" > "$corpus/seed-$i"   # the seeds are printf formats
done

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
exec "$build/fuzz-$target" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 "${options[@]}" "$corpus"
