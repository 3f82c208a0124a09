#!/usr/bin/env bash
# The Debian package, checked: builds it with cargo-deb (a release build), unpacks it with
# dpkg-deb, and checks that every file is where Debian and each shell look for it, that each
# is what the repository holds, that the binaries run, and that man renders each page without
# a warning. Needs a release build and cargo-deb (`cargo install cargo-deb --locked`), so the
# release workflow runs it, not .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deb >/dev/null || {
  echo "tests/deb.sh: needs cargo-deb; run: cargo install cargo-deb --locked" >&2
  exit 1
}
rm -f target/debian/rpubsub_*.deb
cargo deb --locked
deb=$(ls target/debian/rpubsub_*.deb)
echo "built $deb ($(stat -c %s "$deb") bytes)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"

failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

# Each file the package must hold, and the repository file it is a copy of ("-": generated
# by cargo-deb or built).
expected=(
  "usr/bin/rpub -"
  "usr/bin/rsub -"
  "usr/share/man/man1/rpub.1.gz man/rpub.1"
  "usr/share/man/man1/rsub.1.gz man/rsub.1"
  "usr/share/man/man7/rpubsub.7.gz man/rpubsub.7"
  "usr/share/bash-completion/completions/rpub completions/rpub.bash"
  "usr/share/bash-completion/completions/rsub completions/rsub.bash"
  "usr/share/zsh/vendor-completions/_rpub completions/_rpub"
  "usr/share/zsh/vendor-completions/_rsub completions/_rsub"
  "usr/share/fish/vendor_completions.d/rpub.fish completions/rpub.fish"
  "usr/share/fish/vendor_completions.d/rsub.fish completions/rsub.fish"
  "usr/share/doc/rpubsub/README.md README.md"
  "usr/share/doc/rpubsub/copyright -"
)
declare -A listed
for entry in "${expected[@]}"; do
  read -r path source <<<"$entry"
  listed[$path]=1
  if [ ! -f "$root/$path" ]; then
    fail "/$path is missing"
  elif [ "$source" = "-" ]; then
    echo "ok /$path"
  elif [[ $path == *.gz ]]; then
    gzip -dc "$root/$path" | cmp -s - "$source" && echo "ok /$path (gzipped $source)" \
      || fail "/$path is not $source"
  else
    cmp -s "$root/$path" "$source" && echo "ok /$path ($source)" || fail "/$path is not $source"
  fi
done
# Nothing else.
while IFS= read -r path; do
  [ -n "${listed[${path#./}]:-}" ] || fail "unexpected file /${path#./}"
done < <(cd "$root" && find . -type f)
for tool in rpub rsub; do
  [ -x "$root/usr/bin/$tool" ] || fail "/usr/bin/$tool is not executable"
done
grep -q "MIT OR Apache-2.0" "$root/usr/share/doc/rpubsub/copyright" \
  || fail "copyright does not name the licence"

# The binaries run from the package.
for tool in rpub rsub; do
  version=$("$root/usr/bin/$tool" --version) || fail "$tool --version failed"
  echo "ok $tool --version: $version"
done

# Each page renders, without a warning, as man shows it once installed.
for page in man1/rpub.1.gz man1/rsub.1.gz man7/rpubsub.7.gz; do
  warnings=$(MANWIDTH=80 man -l "$root/usr/share/man/$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "man -l $page warns: $warnings"
  MANWIDTH=80 man -l "$root/usr/share/man/$page" 2>/dev/null | grep -q '^NAME' \
    || fail "man -l $page shows no NAME section"
  echo "ok man -l $page"
done

dpkg-deb --field "$deb" Package Version Architecture Depends
[ "$failed" -eq 0 ] || exit 1
echo "the package holds what it should"
