#!/usr/bin/env python3
"""Where the face generator's Frechet distance comes from.

``python -m ganlab evaluate --dataset faces`` gives one number per
generator: its Frechet distance to the 1,000 held-out faces in the face
autoencoder's 32-D codes (``ganlab.evaluation.features.FaceFeatures``).
This script takes that number apart and gives it a scale made of real
faces:

- for each generator (the shipped task-3 weights, and any ``--weights``),
  over ``--seeds`` draws of ``--samples`` faces: the whole distance, its
  mean term (a shift of the average face's code), its covariance term
  (shape and spread) and the spread ratio, the codes' total variance
  over the held-out faces' (``metrics.frechet_parts``): under 1 means
  less varied, as blur or a partial collapse make them;
- the same for real training faces, untouched (the floor), blurred by a
  Gaussian of ``--blur`` pixels and with pixel noise of ``--noise``:
  what a known flaw of a given size costs on this scale.

A generator whose gap to the floor matches a half-pixel blur, with a
spread ratio under 1 and a small mean term, draws faces a little too
smooth; one with a large mean term draws them too light or too dark.

    python benchmarks/face_gap.py --faces small_res_faces_10000.npy
    python benchmarks/face_gap.py --faces ... --weights runs/faces_refined/faces_generator.weights.h5
    python benchmarks/face_gap.py --faces ... --quick     # 200 faces, one seed

It prints a table and writes ``face_gap.json`` to ``--out`` (default
``outputs/benchmarks``). About a minute on 2 cores.
"""
import pathlib

import common
import numpy as np


QUICK_SAMPLES = 200


BENCHMARK = common.Benchmark(
    "face_gap", __doc__, seed=False,
    quick=f"{QUICK_SAMPLES} faces, one seed: checks that it runs")


def make_parser():
    """The script's flags."""
    parser = BENCHMARK.parser()
    parser.add_argument("--faces", type=pathlib.Path, required=True,
                        help="the curriculum's small_res_faces_10000.npy")
    parser.add_argument("--weights", type=pathlib.Path, action="append",
                        default=[],
                        help="a task-3 generator .weights.h5 to take apart "
                             "beside the shipped one (repeatable)")
    parser.add_argument("--samples", type=int, default=1000,
                        help="faces per draw (default: %(default)s)")
    parser.add_argument("--seeds", type=int, default=3,
                        help="draws of the generators, seeds 0, 1, ... "
                             "(default: %(default)s)")
    parser.add_argument("--blur", default="0.3,0.5,0.7",
                        type=common.comma_separated(float, "0.3,0.5"),
                        help="Gaussian blurs of real faces, in pixels "
                             "(default: %(default)s)")
    parser.add_argument("--noise", default="0.02,0.05",
                        type=common.comma_separated(float, "0.02,0.05"),
                        help="standard deviations of pixel noise on real "
                             "faces, pixels in [0, 1] (default: "
                             "%(default)s)")
    return parser


def arguments_from(argv, parser=None):
    """Parse and check the flags (on ``parser``, by default a new one)."""
    parser = parser or make_parser()
    arguments = BENCHMARK.parse(
        parser, argv, at_least_one=("seeds",),
        quick={"samples": QUICK_SAMPLES, "seeds": 1})
    if not arguments.faces.is_file():
        parser.error(f"--faces: {arguments.faces} does not exist")
    for path in arguments.weights:
        if not path.is_file():
            parser.error(f"--weights: {path} does not exist")
    if arguments.samples < 2:
        parser.error(f"--samples must be at least 2; got "
                     f"{arguments.samples}")
    if any(value < 0 for value in arguments.blur + arguments.noise):
        parser.error("--blur and --noise take sizes of 0 or more")
    return arguments


def degraded(faces, blur=0., noise=0., seed=0):
    """Return ``faces`` (N, 16, 16, 1) in [0, 1] blurred by a Gaussian of
    ``blur`` pixels (each face on its own) and with Gaussian pixel noise
    of standard deviation ``noise``, clipped to [0, 1]."""
    from scipy.ndimage import gaussian_filter
    faces = np.asarray(faces, dtype=np.float64)
    if blur:
        faces = gaussian_filter(faces, (0, blur, blur, 0))
    if noise:
        faces = faces + np.random.default_rng(seed).normal(
            0, noise, faces.shape)
    return np.clip(faces, 0, 1)


def summary(parts):
    """The mean of each figure over a list of ``frechet_parts`` results,
    with the whole distance's range."""
    figures = {name: float(np.mean([part[name] for part in parts]))
               for name in parts[0]}
    distances = [part["frechet_distance"] for part in parts]
    figures["frechet_range"] = [min(distances), max(distances)]
    figures["draws"] = len(parts)
    return figures


def run(arguments, parser):
    """Take every row apart; return ``{row name: figures}``. A weights
    file that does not load stops on ``parser`` naming ``--weights``."""
    from ganlab.data.faces import load_face_array, split_holdout
    from ganlab.evaluation import evaluate, features, metrics
    from ganlab.nets.saved import generate
    training, held_out = split_holdout(load_face_array(arguments.faces))
    extractor = features.FaceFeatures()
    reference = extractor(held_out.reshape(-1, 16, 16, 1) / 255.)
    rng = np.random.default_rng(0)
    real = training[rng.choice(len(training), arguments.samples,
                               replace=False)].reshape(-1, 16, 16, 1) / 255.

    def parts_of(faces):
        return metrics.frechet_parts(reference, extractor(faces))

    rows = {"real training faces (floor)": summary([parts_of(real)])}
    for blur in arguments.blur:
        rows[f"real, blurred {blur:g} px"] = summary(
            [parts_of(degraded(real, blur=blur))])
    for noise in arguments.noise:
        rows[f"real, noise {noise:g}"] = summary(
            [parts_of(degraded(real, noise=noise))])
    for weights in [None, *arguments.weights]:
        name = "task 3, " + ("shipped weights" if weights is None
                             else str(weights))
        # loaded once, drawn from each seed's latent vectors as evaluate
        # draws them
        generator, to_pixels = evaluate.task_3_generator(weights, parser)
        # to_pixels adds the mean face and clips to [0, 1]
        rows[name] = summary([parts_of(to_pixels(generate(
            generator, arguments.samples, seed)).reshape(-1, 16, 16, 1))
            for seed in range(arguments.seeds)])
    return rows


def print_rows(rows):
    """Print the table."""
    print(f"{'':40s} {'Frechet':>8s} {'mean':>8s} {'cov.':>8s} "
          f"{'spread':>7s}  range over draws")
    for name, figures in rows.items():
        low, high = figures["frechet_range"]
        spread = (f"{low:.4f}-{high:.4f}" if figures["draws"] > 1 else "")
        print(f"{name[:40]:40s} {figures['frechet_distance']:8.4f} "
              f"{figures['mean_term']:8.4f} "
              f"{figures['covariance_term']:8.4f} "
              f"{figures['spread_ratio']:7.3f}  {spread}")


def main(argv=None):
    """Run, print, write the report; return it."""
    parser = make_parser()
    arguments = arguments_from(argv, parser)
    rows = run(arguments, parser)
    print_rows(rows)
    report = {"samples": arguments.samples,
              "seeds": arguments.seeds,
              "reference": f"last 1,000 faces of {arguments.faces.name}",
              "features": "face autoencoder code (32-D)", "rows": rows}
    path = BENCHMARK.write(report, arguments)
    print(f"report: {path}")
    return report


if __name__ == "__main__":
    main()
