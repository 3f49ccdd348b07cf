#!/usr/bin/env bash
# The benchmarks drive load with wrk (Debian package) from a second process.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
