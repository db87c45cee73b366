#!/usr/bin/env bash
# Checks the alert rules and runs their unit tests with promtool (Debian package prometheus).
set -euo pipefail
cd "$(dirname "$0")/../monitoring"
promtool check rules alerts.yaml
promtool test rules alerts-test.yaml
