#!/usr/bin/env bash
# Refresh the third-party browser assets served by the console (the bureau's network has no
# internet, so every script and style is served by the app itself). Run by a developer when
# upgrading; the results are committed under src/zhichao/web/console/static/vendor/.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/src/zhichao/web/console/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent swagger-ui-dist@5.35.0 >/dev/null
tar xzf swagger-ui-dist-*.tgz
mkdir -p "$dest/swagger-ui"
cp package/swagger-ui-bundle.js package/swagger-ui.css package/LICENSE "$dest/swagger-ui/"
npm pack --silent echarts@6.1.0 >/dev/null
rm -rf package && tar xzf echarts-*.tgz
mkdir -p "$dest/echarts"
cp package/dist/echarts.min.js package/LICENSE "$dest/echarts/"
echo "vendored into $dest"
