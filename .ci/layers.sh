#!/usr/bin/env bash
# The layers of docs/architecture.md, checked: each module folder may name only the modules listed
# for it (as `crate::x`, or inside `crate::{…}`). Prints every line that names another and fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# folder: the crate modules it may use (itself is always allowed).
declare -A allowed=(
  [form]=""
  [store]="clock config form"
  [auth]="clock config form"
  [intake]="auth clock config form i18n store"
  [api]="auth clock config form i18n intake security store"
  [web]="auth client_ip clock config form i18n intake ratelimit security store"
  [dev]="auth clock config form i18n intake ratelimit store"
  [sftp]="auth clock config form i18n intake store"
)

status=0
for layer in "${!allowed[@]}"; do
  ok=" ${layer} ${allowed[$layer]} "
  # Every `crate::name` and every name opening a `crate::{…}` group, with file and line.
  while IFS= read -r hit; do
    file_line=${hit%%:crate::*}
    used=${hit##*crate::}
    used=${used#\{}
    used=${used%%[^a-z0-9_]*}
    [ -z "$used" ] && continue
    if [[ "$ok" != *" ${used} "* ]]; then
      echo "layers: ${file_line}: src/${layer} may not use crate::${used} (docs/architecture.md)"
      status=1
    fi
  done < <(grep -rnoE 'crate::\{?[a-z0-9_]+' "src/${layer}" --include='*.rs' || true)
  # Names inside a `crate::{a, b::c}` group beyond the first.
  while IFS= read -r hit; do
    file_line=${hit%%:crate::*}
    group=${hit#*crate::\{}
    for name in $(echo "${group%\}}" | tr ',' '\n' | sed -E 's/^[[:space:]]*//; s/[^a-z0-9_].*$//'); do
      if [[ "$ok" != *" ${name} "* ]]; then
        echo "layers: ${file_line}: src/${layer} may not use crate::${name} (docs/architecture.md)"
        status=1
      fi
    done
  done < <(grep -rnoE 'crate::\{[^}]*\}' "src/${layer}" --include='*.rs' || true)
done
[ "$status" -eq 0 ] && echo "layers: ok"
exit "$status"
