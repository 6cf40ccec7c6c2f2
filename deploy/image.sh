#!/usr/bin/env bash
# `npm run image`: builds deploy/Dockerfile with Debian's podman on a base made here (no image
# registry needed), runs it, and reports the image size, the start-to-ready time, the node flags its
# entrypoint gave node (which must be apps/api/node.options'), the README's example query answered
# by the container, and a SIGTERM stop (exit code and log).
# Needs root and Debian's podman, runc and mmdebstrap (`apt-get install podman runc mmdebstrap`).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=${BASE_IMAGE:-localhost/mserve-base:bookworm}
IMAGE=${IMAGE:-localhost/mserve:dev}
# On these VMs crun refuses the hybrid cgroups, and the default ulimits are above the container's.
RUN_OPTS=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

for tool in podman runc mmdebstrap curl; do
  command -v "$tool" >/dev/null || { echo "image: $tool is missing (apt-get install podman runc mmdebstrap curl)" >&2; exit 1; }
done

# The base: Debian bookworm minbase with tini and certificates, plus this machine's Node.js and npm
# copied in (the same Node the project is tested with).
if ! podman image exists "$BASE"; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "image: making the base $BASE with mmdebstrap"
  mmdebstrap --variant=minbase --include=ca-certificates,tini --quiet \
    --customize-hook='copy-in /usr/bin/node /usr/bin' \
    --customize-hook='mkdir -p "$1/usr/lib/node_modules"' \
    --customize-hook='copy-in /usr/lib/node_modules/npm /usr/lib/node_modules' \
    --customize-hook='ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/bin/npm"' \
    --customize-hook='ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/bin/npx"' \
    --customize-hook='rm -rf "$1/var/cache/apt/archives"/*.deb "$1/var/lib/apt/lists"/*' \
    bookworm "$work/rootfs.tar"
  podman import --change 'CMD ["node"]' "$work/rootfs.tar" "$BASE" >/dev/null
fi

echo "image: building $IMAGE FROM $BASE"
build_start=$(date +%s)
# HEALTHCHECK is a Docker-format field: OCI images (podman's default) drop it.
# This machine reaches the npm registry through a proxy whose CA is in NODE_EXTRA_CA_CERTS.
secret=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then secret=(--secret "id=npm_ca,src=$NODE_EXTRA_CA_CERTS"); fi
podman build "${RUN_OPTS[@]}" "${secret[@]}" --format docker --network host --build-arg BASE_IMAGE="$BASE" \
  -f deploy/Dockerfile -t "$IMAGE" . >/tmp/mserve-image-build.log 2>&1 || { tail -40 /tmp/mserve-image-build.log; exit 1; }
build_s=$(( $(date +%s) - build_start ))
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
base_size=$(podman image inspect --format '{{.Size}}' "$BASE")

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
name="mserve-image-check-$$"
start=$(date +%s%N)
# As deploy/k8s runs it: read-only root filesystem with a /tmp of its own, no capabilities.
podman run -d --name "$name" "${RUN_OPTS[@]}" --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
  -p "127.0.0.1:$port:4000" -e SHUTDOWN_DELAY_MS=1000 "$IMAGE" >/dev/null
cleanup() { podman rm -f "$name" >/dev/null 2>&1 || true; rm -rf "${work:-}"; }
trap cleanup EXIT
ready=""
for _ in $(seq 1 600); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ]; then ready=yes; break; fi
  sleep 0.1
done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ -n "$ready" ] || { podman logs "$name" | tail -20; echo "image: not ready within 60 s" >&2; exit 1; }

# The README's example query, answered by the container.
answer=$(curl -s "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
  -d '{"query":"{ iris(input: {sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2}) { label confidence } }"}')
echo "image: README query -> $answer"
grep -q '"label":"setosa"' <<<"$answer" || { echo "image: unexpected answer" >&2; exit 1; }
user=$(podman exec "$name" id -u)
podman healthcheck run "$name" >/dev/null && health=healthy || health=unhealthy
pid1=$(podman exec "$name" cat /proc/1/comm)

stop_start=$(date +%s%N)
podman stop -t 30 "$name" >/dev/null
stop_ms=$(( ($(date +%s%N) - stop_start) / 1000000 ))
exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
stopped=$(podman logs "$name" 2>&1 | grep -c '"msg":"stopped"' || true)
# The node flags the entrypoint (apps/api/start.sh) gave node, as the listening line names them.
flags=$(podman logs "$name" 2>&1 | grep '"msg":"listening"' | grep -o '"nodeFlags":\[[^]]*\]' || true)
expected="\"nodeFlags\":[$(grep -v '^[[:space:]]*#' apps/api/node.options | xargs -n1 | sed 's/.*/"&"/' | paste -sd, -)]"

echo "image: $IMAGE size $((size / 1024 / 1024)) MiB (base $((base_size / 1024 / 1024)) MiB), built in ${build_s} s"
echo "image: start-to-ready ${ready_ms} ms; uid $user; PID 1 $pid1; healthcheck $health; ${flags:-no nodeFlags logged}"
echo "image: SIGTERM stop in ${stop_ms} ms (lame duck 1000 ms), exit code $exit_code, 'stopped' logged: $stopped"
# The build stage and earlier builds of the tag stay behind as dangling images: drop them.
podman image prune -f >/dev/null
[ "$exit_code" = 0 ] && [ "$stopped" = 1 ] && [ "$user" != 0 ] && [ "$health" = healthy ] && [ "$flags" = "$expected" ]
