# Sourced by ./samspill and ./run-tests: make .venv with the project installed, once.
# Needs only Python 3.11+ and network access to PyPI on first use.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.samspill-installed"

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "samspill: Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

if [ ! -x "$venv/bin/python" ]; then
  py="$(find_python)"
  echo "samspill: creating $venv …" >&2
  "$py" -m venv "$venv"
fi
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
  echo "samspill: installing samspill and its dependencies into .venv (first run only) …" >&2
  log="$venv/pip-install.log"
  if ! { "$venv/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
    "$venv/bin/python" -m pip install --disable-pip-version-check -e "$root[dev]"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "samspill: installing the dependencies failed; the whole log is in $log" >&2
    exit 1
  fi
  touch "$stamp"
fi
