# Sourced by the .ci install scripts: retry CMD… runs a network step up to 4 times, 10/20/30 s apart,
# naming the calling script in its messages.
retry() {
  local n=0 who
  who=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge 4 ]; then
      echo "$who: giving up after $n attempts: $*" >&2
      return 1
    fi
    echo "$who: retry $n: $*" >&2
    sleep $((n * 10))
  done
}
