#!/bin/sh
# Stops a local stack's servers once the process that started them is gone, however it ended
# (SIGKILL included): its standard input is a pipe only that process writes to, so end of file
# means it has died or let go. Orders, one a line:
#   watch <pid> <signal>   at end of file, send <signal> to <pid>
#   forget <pid>           <pid> was stopped by its owner; leave it alone
# Signals that stop the stack's owner (Ctrl-C reaches the whole process group) must not stop the
# watchdog before its owner has finished, hence the trap. POSIX sh: runs on Linux and macOS.
trap '' INT TERM HUP

pids=''
while read -r verb pid signal; do
  case $pid in '' | *[!0-9]*) continue ;; esac
  case $verb in
    watch) pids="$pids $pid" && eval "signal_$pid=\$signal" ;;
    forget) unset "signal_$pid" ;;
  esac
done

live=''
for pid in $pids; do
  eval "signal=\${signal_$pid:-}"
  [ -n "$signal" ] && kill -s "$signal" "$pid" 2>/dev/null && live="$live $pid"
done

# Up to 10 s for a clean shutdown, then SIGKILL.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  still=''
  for pid in $live; do kill -0 "$pid" 2>/dev/null && still="$still $pid"; done
  live=$still
  [ -z "$live" ] && exit 0
  sleep 1
done
for pid in $live; do kill -s KILL "$pid" 2>/dev/null; done
exit 0
