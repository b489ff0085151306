# Sourced by scripts that start a stack on free loopback ports.
# free_port prints a port below the kernel's ephemeral range (so no outgoing
# connection can take it before the server binds) that nothing listens on
# and that this script has not handed out before. It is called as
# $(free_port), a subshell, so the ports handed out are listed in
# FREE_PORTS_FILE, which the caller puts in its run's work directory.

free_port() {
  local low=32768 p
  : "${FREE_PORTS_FILE:?free_port: FREE_PORTS_FILE is not set}"
  touch "$FREE_PORTS_FILE"
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  [ "$low" -gt 12000 ] || low=32768
  for _ in $(seq 1 500); do
    p=$((low - 10000 + (RANDOM * 32768 + RANDOM) % 10000))
    grep -qx "$p" "$FREE_PORTS_FILE" && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    echo "$p" >>"$FREE_PORTS_FILE"
    echo "$p"
    return 0
  done
  echo "free_port: no free loopback port below $low" >&2
  return 1
}
