#!/usr/bin/env bash
# CI, after the tests: ganlab as a user gets it from a wheel. Builds the
# wheel, installs it into a fresh virtual environment outside the
# checkout, and from there trains two steps on a toy set, samples from
# each shipped generator and evaluates on the emoji; about a minute on 2
# cores. Exits non-zero on the first failure.
#
# The environment sees the system's site-packages, so TensorFlow and the
# other pinned dependencies are not installed a second time (nor
# downloaded); the editable ganlab there is shadowed by the wheel's, and
# the script checks that the wheel's is the one imported.
set -euo pipefail
checkout=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the build runs in this environment (setuptools is already here, the
# editable install used it); isolation would fetch setuptools again
python -m pip wheel -q --no-deps --no-build-isolation -w "$work/dist" \
    "$checkout"
wheel=$(echo "$work"/dist/ganlab-*.whl)
echo "wheel: $(basename "$wheel"), $(wc -c < "$wheel") bytes," \
     "$(python -m zipfile -l "$wheel" | tail -n +2 | wc -l) files"
python -m venv --system-site-packages "$work/venv"
"$work/venv/bin/python" -m pip install -q "$wheel"
export PATH="$work/venv/bin:$PATH" TF_CPP_MIN_LOG_LEVEL=3
cd "$work"
location=$(python -c 'import ganlab; print(ganlab.__file__)')
case "$location" in
    "$work/venv/"*) echo "ganlab imported from $location" ;;
    *) echo "wheel smoke: ganlab imported from $location, not the wheel" >&2
       exit 1 ;;
esac

run() {
    # the command, then its last line (TensorFlow's start-up lines aside)
    echo "+ $*"
    "$@" > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
    grep -v '^[IWE]0000\|^WARNING: All log\|rebuild TensorFlow' \
        "$work/log" | tail -n "${lines:-1}"
}
run ganlab train --model wgan-gp --dataset ring --n_epochs 1 \
    --steps-per-epoch 2 --out runs/ring
run ganlab sample --generator data/progan_emoji64_generator.keras \
    --count 4 --out samples/progan
run ganlab sample --generator data/r3gan_emoji32_generator.keras \
    --count 4 --out samples/r3gan
run ganlab sample --task 3 --count 4 --out samples/faces
lines=6 run ganlab evaluate --dataset emoji \
    --model data/progan_emoji64_generator.keras --samples 50
echo "wheel smoke: passed"
