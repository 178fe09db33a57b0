#!/usr/bin/env python3
"""One run's configuration, resolved once: ``resolve(flags, parser, read)``.

``train``'s flags leave much to the model and the data: ``--lr`` left out
is the model's learning rate, ``--img_size`` the data's side, ``--augment
auto`` a policy chosen by the number of images. ``resolve`` checks every
flag (a mistake stops in one line naming it, before TensorFlow starts),
reads the data through ``read`` and fills in every default, and returns a
frozen ``RunConfig`` in which nothing is left to choose: the registry
builds the model from it, and ``run.json`` is it (``record_of``), so a
run's record says which learning rates, betas and techniques trained it.
The one choice left for later is the arithmetic (``with_arithmetic``),
which asks the devices, and so waits for the strategy that creates them.

``run.json`` carries ``schema``; ``migrate`` reads a record of any
version as the current one, so that a run folder written before a field
existed still resumes (``check_resumed_record``), as it was trained.
"""
import dataclasses
import json
import math
import pathlib
import typing

from ganlab import io
from ganlab.data.sources import (IMAGE_SETS, LABELLED_SETS, TOY_SETS,
                                 DataConfig)
from ganlab.training import registry
from ganlab.training.augment_policies import DEFAULT_POLICY, POLICIES
from ganlab.training.distribute import WORKER_TIMEOUT
from ganlab.training.seeding import MAX_SEED

# run.json's layout: 1, the flat flags (no "schema" key); 2, RunConfig
SCHEMA = 2
# The image generators' averaging, at each model's decay
# (``registry.Defaults.average_decay``), starts after a warm-up of plain
# copying (ganlab.training.averaging): a CPU run here lasts a few hundred
# to a few thousand steps, and during the warm-up the average is the
# generator itself; after it, .999 lets the random start fade, so a short
# warm-up gets the averaging going within such a run.
AVERAGE_WARMUP = 100
# --augment auto: DiffAugment below this many training images, where a
# critic soon learns the data by heart (Zhao et al. 2020 show the gains on
# 10% of CIFAR-10 and less), none from here on.
AUTO_AUGMENT_BELOW = 10_000
# --disc-iter's ceiling: every step makes that many critic updates; the
# WGAN papers make 5, and a few thousand would make each step last
# minutes with no sign of progress.
MAX_DISC_ITER = 100
# --latent_dim's ceiling: the models' first layers hold latent_dim times
# thousands of weights, so 10**9 asks for terabytes.
MAX_LATENT_DIM = 4096


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Which model, and its sizes: ``name`` (``--model``), ``latent_dim``,
    the global ``batch_size``, the lessons' ``disc_iter``, the width
    ``capacity`` of the models that scale, and the arithmetic
    ``precision`` (``auto`` until ``with_arithmetic`` settles it)."""

    name: str
    latent_dim: int
    batch_size: int
    disc_iter: typing.Optional[int] = None
    capacity: typing.Optional[float] = None
    precision: str = "float32"


@dataclasses.dataclass(frozen=True)
class OptimiserConfig:
    """Adam's settings: the generator's learning rate ``lr``, the
    discriminator's ``d_lr`` (None where the model trains both at
    ``lr``), and the betas."""

    lr: typing.Optional[float]
    d_lr: typing.Optional[float]
    b1: typing.Optional[float]
    b2: typing.Optional[float]


@dataclasses.dataclass(frozen=True)
class TechniquesConfig:
    """The techniques: the generator's average (``average_decay``, 0 for
    none, and its ``average_warmup``), DiffAugment's ``augment`` policy
    (``none``; ``auto`` only before the data is counted), the ``loss``
    (``default`` or ``hinge``), ``spectral_norm``, the ``r1`` gamma (0:
    none) and ``calibrate``."""

    average_decay: float = 0.
    average_warmup: typing.Optional[int] = None
    augment: str = "none"
    loss: str = "default"
    spectral_norm: bool = False
    r1: float = 0.
    calibrate: bool = False


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """How the run goes: its folder ``out`` and whether it resumes there,
    its length, how often it samples and saves, the seed and
    determinism, the GAN doctor, logging, and the devices."""

    out: pathlib.Path
    resume: bool = False
    n_epochs: int = 200
    steps_per_epoch: typing.Optional[int] = None
    sample_interval: int = 400
    checkpoint_every: int = 1
    seed: int = 0
    deterministic: bool = False
    doctor: str = "rollback"
    tensorboard: bool = True
    strategy: str = "default"
    devices: typing.Optional[int] = None
    worker_timeout: typing.Optional[float] = None
    verbose: int = 2


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Everything a run is: its data, model, optimiser, techniques and
    run settings, each resolved; ``schema`` is ``run.json``'s layout."""

    data: DataConfig
    model: ModelConfig
    optimiser: OptimiserConfig
    techniques: TechniquesConfig
    run: RunSettings
    schema: int = SCHEMA


# Where each flag's value lives in a RunConfig, and in a schema 1 record
# (named by the flag's dest there): the groups' fields under their own
# names, but for these two.
RENAMED = {("model", "name"): "model", ("data", "description"): "data"}
# The flags that must not change when a run is resumed.
RUN_IDENTITY = ("model", "dataset", "img_size", "channels", "latent_dim",
                "batch_size", "examples", "holdout", "average_decay",
                "average_warmup", "augment", "loss", "spectral_norm", "r1",
                "stream", "capacity", "conditional", "class_names")
# Fields that schema 2 records written before them lack, and the value
# their runs had: a run.json of before --conditional trained without
# classes.
ADDED_TO_SCHEMA = {("data", "conditional"): False,
                   ("data", "class_names"): None}
# How a resume refusal names the identity values that no flag sets.
NOT_FLAGS = {"class_names": "the classes"}
# The flags of that list that schema 1 records may lack, and how those
# runs were trained: without averaging or DiffAugment, with the model's
# own loss. A record without the key means that value; a resume that
# leaves the flag out trains on with it.
BEFORE_FLAG = {"average_decay": 0., "average_warmup": None,
               "augment": "none", "loss": "default", "spectral_norm": False,
               "r1": 0., "stream": "never", "capacity": None}
# Of the identity, the values the data chooses when the flag is left out
# (the faces' hold-out too); schema 1 records may hold them as null, which
# says nothing to compare.
EFFECTIVE = ("img_size", "channels", "holdout")


def group_classes():
    """Return ``{group name: its dataclass}`` of a ``RunConfig``."""
    return {"data": DataConfig, "model": ModelConfig,
            "optimiser": OptimiserConfig, "techniques": TechniquesConfig,
            "run": RunSettings}


def flat_names():
    """Return ``{flat name: (group, field)}``: where each value of a
    schema 1 record (the flags' dests) lives in a ``RunConfig``."""
    return {RENAMED.get((group, field.name), field.name): (group, field.name)
            for group, cls in group_classes().items()
            for field in dataclasses.fields(cls)}


def flag_of(parser, dest):
    """Return the first spelling ``parser`` accepts for the option stored
    under ``dest`` (``checkpoint_every`` -> ``--checkpoint-every``), so
    that a message never names a flag the parser would refuse."""
    for action in getattr(parser, "_actions", ()):
        if action.dest == dest and action.option_strings:
            return action.option_strings[0]
    return "--" + dest.replace("_", "-")


def choose_augment(augment, count, description):
    """Return ``(policy, line)``: ``augment`` settled for ``count``
    training examples (``auto``: the default DiffAugment policy below
    ``AUTO_AUGMENT_BELOW``, else none), and the line that says what was
    chosen and why (None when the policy was given)."""
    if augment != "auto":
        return augment, None
    default = DEFAULT_POLICY
    if count < AUTO_AUGMENT_BELOW:
        return default, (
            f"--augment auto: DiffAugment {default}, as the {count:,} "
            f"examples of {description} are fewer than "
            f"{AUTO_AUGMENT_BELOW:,} (a critic learns so few by heart)")
    return "none", (f"--augment auto: none, as {description} holds "
                    f"{count:,} examples, {AUTO_AUGMENT_BELOW:,} or more")


def check_counts(flags, parser):
    """Refuse counts below 1, ceilings passed, rates and betas out of
    range, and a seed out of range, each in one line naming its flag."""
    for name in ("n_epochs", "batch_size", "latent_dim", "sample_interval",
                 "checkpoint_every", "disc_iter", "steps_per_epoch",
                 "examples", "devices"):
        value = getattr(flags, name)
        if value is not None and value < 1:
            parser.error(f"{flag_of(parser, name)} must be at least 1; "
                         f"got {value}")
    for name, ceiling, why in (
            ("disc_iter", MAX_DISC_ITER, "each step would make that many "
             "critic updates, taking minutes; the WGAN papers make 5"),
            ("latent_dim", MAX_LATENT_DIM, "the generator's first layer "
             "would hold that many times thousands of weights, more than "
             "memory holds")):
        value = getattr(flags, name)
        if value is not None and value > ceiling:
            parser.error(f"{flag_of(parser, name)} must be at most "
                         f"{ceiling}; got {value} ({why})")
    for name in ("lr", "d_lr"):
        value = getattr(flags, name)
        # argparse's float() takes "inf" and "nan"; neither is a rate
        if value is not None and not (value > 0 and math.isfinite(value)):
            parser.error(f"{flag_of(parser, name)} must be a positive "
                         f"finite number; got {value}")
    for name in ("b1", "b2"):
        value = getattr(flags, name)
        if value is not None and not 0 <= value < 1:
            parser.error(f"{flag_of(parser, name)} must be in [0, 1); "
                         f"got {value}")
    if not 0 <= flags.seed <= MAX_SEED:
        parser.error(f"--seed must be in [0, {MAX_SEED}]; got {flags.seed}")


def stream_of(flags):
    """Return ``--stream`` as run.json records it before the data is
    read: ``never`` for a data set that is no folder, which never
    streams; the flag otherwise."""
    if flags.stream == "auto" and not pathlib.Path(flags.dataset).is_dir():
        return "never"
    return flags.stream


def check_stream(flags, parser, name):
    """Refuse ``--stream always`` and ``--cache`` where nothing would be
    streamed: a data set that is not a folder, a model that trains from
    memory (``name``), a subset (``--examples``); and ``--cache`` where
    it could not be written (a read-only folder), before training rather
    than at the first pass."""
    import glob
    stream = stream_of(flags)
    if not (stream == "always" or flags.cache is not None):
        return
    flag = "--stream always" if stream == "always" else "--cache"
    if stream == "never":
        parser.error("--cache: only a streamed folder is cached; drop "
                     "--stream never")
    if not pathlib.Path(flags.dataset).is_dir():
        parser.error(f"{flag}: only an image folder (--dataset FOLDER) is "
                     f"streamed; got --dataset {flags.dataset}")
    if not registry.entry(name).spec.accepts.stream:
        parser.error(f"{flag}: --model {name} trains from memory (only "
                     f"{registry.takers('stream', 'or')} stream)")
    if flags.examples is not None:
        parser.error(f"--examples: a streamed folder trains on all its "
                     f"images; drop {flag}")
    cache = flags.cache
    # a cache there already (PREFIX-SIZE...-shard...) is only read
    if cache is not None and not any(
            cache.parent.glob(glob.escape(cache.name) + "-*.index")):
        try:
            io.check_can_create(cache, "--cache")
        except ValueError as error:
            parser.error(str(error))


def check_conditional(flags, parser, name, model):
    """Refuse ``--conditional`` where there are no classes to learn: a
    model whose networks take none (``name``, its entry ``model``), a toy
    set, data without labels, a folder streamed from disk."""
    if not flags.conditional:
        return
    if not model.spec.accepts.classes:
        parser.error(f"--conditional: --model {name} draws no classes "
                     f"(only {registry.takers('classes')} take "
                     "--conditional)")
    if flags.dataset in TOY_SETS:
        parser.error(f"--conditional: the toy set {flags.dataset} has no "
                     "classes")
    if flags.dataset in IMAGE_SETS and flags.dataset not in LABELLED_SETS:
        parser.error(f"--conditional: --dataset {flags.dataset} carries "
                     f"no classes (give {', '.join(LABELLED_SETS)} or a "
                     "folder of class sub-folders)")
    if flags.stream == "always" or flags.cache is not None:
        parser.error("--conditional: a folder streamed from disk is read "
                     "without its classes; drop "
                     + ("--stream always" if flags.stream == "always"
                        else "--cache"))


def check_model_flags(flags, parser, name, model):
    """Refuse the flags ``model`` (the entry of ``--model name``) has no
    use for, rather than ignore them, and the values it cannot take."""
    if flags.precision == "bfloat16" and not model.spec.accepts.bfloat16:
        parser.error(f"--precision bfloat16: --model {name} computes in "
                     f"float32 (only "
                     f"{registry.takers('bfloat16', 'or')} "
                     "compute in bfloat16)")
    if flags.holdout is not None:
        if flags.holdout < 0:
            parser.error(f"--holdout must be at least 0; got "
                         f"{flags.holdout}")
        if flags.dataset != "faces" or flags.data_path is None:
            parser.error("--holdout goes only with --dataset faces "
                         "--data-path FACES.npy (the curriculum's faces)")
    if flags.img_size is not None and not 4 <= flags.img_size <= 1024:
        parser.error(f"--img_size must be between 4 and 1024; got "
                     f"{flags.img_size}")
    accepts, fixed = model.spec.accepts, model.spec.fixed
    if flags.d_lr is not None and not accepts.d_lr:
        parser.error(f"--d_lr: --model {name} trains both networks at "
                     f"--lr (only {registry.takers('d_lr')} take "
                     "--d_lr)")
    if flags.disc_iter is not None and not accepts.disc_iter:
        parser.error(f"--disc-iter: --model {name} takes one critic step "
                     f"per generator step (only "
                     f"{registry.takers('disc_iter')} take "
                     "--disc-iter)")
    if flags.capacity is not None:
        if not accepts.capacity:
            parser.error(f"--capacity: --model {name} has networks of a "
                         f"fixed width (only "
                         f"{registry.takers('capacity', 'or')} "
                         "take --capacity)")
        if not .25 <= flags.capacity <= 16:
            parser.error(f"--capacity must be a number from 0.25 to 16; "
                         f"got {flags.capacity}")
    if flags.b2 is not None and fixed.b2:
        parser.error(f"--b2: {fixed.b2}")
    if flags.strategy != "default" and not accepts.several_devices:
        several = [entry.name for entry in registry.ENTRIES
                   if entry.spec.accepts.several_devices]
        parser.error(f"--strategy {flags.strategy}: only --model "
                     f"{registry.names_or(several)} "
                     f"{'trains' if len(several) == 1 else 'train'} on "
                     "several devices")
    latent_dim = model.spec.defaults.latent_dim
    if fixed.latent_dim and flags.latent_dim not in (None, latent_dim):
        parser.error(f"--latent_dim: {fixed.latent_dim} takes "
                     f"{latent_dim} latent dimensions; got "
                     f"{flags.latent_dim}")
    if flags.devices and flags.strategy != "mirrored":
        parser.error("--devices needs --strategy mirrored")
    if flags.worker_timeout is not None:
        if flags.strategy != "multi-worker":
            parser.error("--worker-timeout needs --strategy multi-worker")
        if not 0 < flags.worker_timeout <= 86400:
            parser.error(f"--worker-timeout must be more than 0 and at "
                         f"most 86400 seconds (a day); got "
                         f"{flags.worker_timeout}")


def check_dataset(flags, parser):
    """Refuse a ``--dataset`` that names nothing readable, and a
    ``--data-path`` that is missing or would be ignored."""
    if flags.dataset not in TOY_SETS + IMAGE_SETS:
        path = pathlib.Path(flags.dataset)
        looks_like_path = "/" in flags.dataset or path.suffix
        if looks_like_path and not path.exists():
            parser.error(f"--dataset: {path} does not exist")
        if not (path.is_dir() or path.suffix == ".npy" and path.is_file()):
            parser.error(f"--dataset: {flags.dataset!r} is neither one "
                         f"of {', '.join(TOY_SETS + IMAGE_SETS)} nor a "
                         "folder or .npy file")
    if flags.data_path is not None and not flags.data_path.exists():
        parser.error(f"--data-path: {flags.data_path} does not exist")
    if flags.data_path is not None and flags.dataset not in IMAGE_SETS:
        parser.error(f"--data-path goes only with --dataset "
                     f"{', '.join(IMAGE_SETS)}; --dataset "
                     f"{flags.dataset} would ignore it")


def read_record(path):
    """Return the record at ``path`` as written (None when it cannot be
    read, or is no JSON object: ``check_resumed_record`` says so)."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def trained_without(record):
    """Return ``{flag: value}`` for the technique flags that a schema 1
    ``record`` predates: its run was trained with ``BEFORE_FLAG``'s
    value of each (none for a newer record, which names them all)."""
    if not isinstance(record, dict) or "schema" in record:
        return {}
    return {key: value for key, value in BEFORE_FLAG.items()
            if key not in record}


def migrate(record):
    """Return ``record`` (a ``run.json`` of any schema) as the current
    schema's: a schema 1 record, the flat flags, is regrouped, the
    techniques it predates given the values its run had
    (``trained_without``). What an old record left null (the learning
    rates it did not resolve) stays null: it is not known."""
    if record.get("schema") == SCHEMA:
        upgraded = {key: dict(value) if isinstance(value, dict) else value
                    for key, value in record.items()}
    else:
        flat = {**record, **trained_without(record)}
        upgraded = {group: {} for group in group_classes()}
        for name, (group, field) in flat_names().items():
            upgraded[group][field] = flat.get(name)
        upgraded["schema"] = SCHEMA
    for (group, field), value in ADDED_TO_SCHEMA.items():
        if upgraded.get(group, {}).get(field) is None:
            upgraded.setdefault(group, {})[field] = value
    return upgraded


def flattened(record):
    """Return the current schema's ``record`` as ``{flag: value}``, each
    value under its flag's dest (as a schema 1 record held them)."""
    return {name: record[group].get(field)
            for name, (group, field) in flat_names().items()}


def identity(record):
    """Return ``{flag: value}`` of ``RUN_IDENTITY`` in the current
    schema's ``record``."""
    flat = flattened(record)
    return {key: flat[key] for key in RUN_IDENTITY}


def record_of(config):
    """Return what ``run.json`` holds: ``config`` as plain JSON values
    (``dataclasses.asdict``, paths as text)."""
    return dataclasses.asdict(config, dict_factory=lambda items: {
        key: str(value) if isinstance(value, pathlib.PurePath) else value
        for key, value in items})


def check_resumed_record(config, path, parser=None):
    """On ``--resume``, raise ``ValueError`` naming the first flag that
    shapes the run and differs from the ``run.json`` at ``path`` (of any
    schema: ``migrate``)."""
    if not (config.run.resume and path.is_file()):
        return
    try:
        before = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"--resume: cannot read {path} ({error})"
                         ) from None
    if not isinstance(before, dict):
        raise ValueError(f"--resume: {path} holds a JSON "
                         f"{type(before).__name__}, not the run's "
                         "flags (edited by hand?); put back the "
                         "original, or start afresh in another --out")
    was_trained = identity(migrate(before))
    now = identity(record_of(config))
    for key in RUN_IDENTITY:
        if key in EFFECTIVE and was_trained[key] is None:
            continue
        if was_trained[key] != now[key]:
            named = NOT_FLAGS.get(key) or flag_of(parser, key)
            raise ValueError(f"--resume: {path.parent} was trained with "
                             f"{named} {was_trained[key]}; "
                             f"got {now[key]}")


def resolved_techniques(flags, parser, name, model):
    """Check the flags of averaging, DiffAugment and the loss options,
    refusing those ``model`` would ignore, and return its
    ``TechniquesConfig`` (``augment`` ``auto`` until the data is
    counted). A resumed run's flags left out that its record predates
    take the values it was trained with (``trained_without``)."""
    given = {key: getattr(flags, key) for key in BEFORE_FLAG}
    if flags.resume:
        for key, value in trained_without(
                read_record(flags.out / "run.json")).items():
            if given[key] in (None, False):
                given[key] = value
    accepts, defaults = model.spec.accepts, model.spec.defaults
    decay = given["average_decay"]
    if decay is not None and not 0 <= decay < 1:
        parser.error(f"--average-decay must be in [0, 1) (0: no "
                     f"averaging); got {decay}")
    if decay is None:
        decay = defaults.average_decay
    warmup = given["average_warmup"]
    if warmup is not None and warmup < 0:
        parser.error(f"--average-warmup must be at least 0; got {warmup}")
    if warmup is not None and not decay:
        parser.error(f"--average-warmup: --model {name} averages no "
                     "generator here (--average-decay 0); give "
                     "--average-decay to average")
    augment = given["augment"]
    if augment is not None:
        if not accepts.augment:
            parser.error(f"--augment: --model {name} has no augmentation "
                         f"hook (only {registry.takers('augment')} take "
                         "--augment)")
        if augment not in ("auto", "none"):
            names = [part.strip() for part in augment.split(",")
                     if part.strip()]
            unknown = [part for part in names if part not in POLICIES]
            if unknown or not names:
                parser.error(f"--augment: {', '.join(unknown) or 'nothing'}"
                             f" is no DiffAugment transformation; give "
                             f"auto, none, or names of "
                             f"{', '.join(POLICIES)} separated by commas")
            augment = ",".join(names)
    for flag, given_here in (
            ("--loss", given["loss"] not in (None, "default")),
            ("--spectral-norm", given["spectral_norm"])):
        if given_here and not accepts.loss:
            parser.error(f"{flag}: --model {name} keeps its own loss (only "
                         f"{registry.takers('loss')} take {flag})")
    gamma = given["r1"]
    if gamma not in (None, 0) and not accepts.r1:
        parser.error(f"--r1: --model {name} keeps its own loss (only "
                     f"{registry.takers('r1')} take --r1)")
    if gamma is not None and not (gamma >= 0 and math.isfinite(gamma)):
        parser.error(f"--r1 must be a finite number, 0 or more; got "
                     f"{gamma}")
    if flags.calibrate and not accepts.calibrate:
        parser.error(f"--calibrate is for --model "
                     f"{registry.takers('calibrate')}, whose saved "
                     f"generator it scales; got --model {name}")
    if flags.calibrate and flags.conditional:
        parser.error("--calibrate: a conditional generator's contrast "
                     "differs class by class, which one scale cannot "
                     "match; drop --calibrate or --conditional")
    return TechniquesConfig(
        average_decay=float(decay),
        average_warmup=(None if not decay else AVERAGE_WARMUP
                        if warmup is None else warmup),
        augment=(augment or "auto") if accepts.augment else "none",
        loss=given["loss"] or "default",
        spectral_norm=bool(given["spectral_norm"]),
        r1=float(defaults.r1 if gamma is None else gamma),
        calibrate=bool(flags.calibrate))


def resolve(flags, parser, read=None, say=None):
    """Check ``flags`` (``train``'s, parsed) and return ``(config,
    data)``: the ``RunConfig`` with every default applied, and the data
    ``read`` gave.

    ``read(wanted, seed=..., shape=..., image_side=..., may_stream=...)``
    reads the data of ``wanted`` (a ``DataConfig`` of the flags) and
    returns it with the resolved ``DataConfig``
    (``ganlab.data.sources.read_data``'s contract); without it, the data
    is None and what only the data settles is left as the flags say it
    (``img_size`` None, ``augment`` ``auto``). Every mistake stops in one
    line (``parser.error``); ``say`` gets the lines that tell what was
    chosen for the user (a batch shrunk to the data, ``--augment
    auto``'s choice).
    """
    name = flags.model or (registry.DEFAULT_VECTOR_MODEL
                           if flags.dataset in TOY_SETS
                           else registry.DEFAULT_IMAGE_MODEL)
    model = registry.entry(name)
    check_counts(flags, parser)
    check_conditional(flags, parser, name, model)
    check_stream(flags, parser, name)
    check_model_flags(flags, parser, name, model)
    techniques = resolved_techniques(flags, parser, name, model)
    check_dataset(flags, parser)
    wanted = DataConfig(
        dataset=flags.dataset,
        data_path=None if flags.data_path is None else str(flags.data_path),
        examples=flags.examples, holdout=flags.holdout,
        img_size=flags.img_size, channels=flags.channels,
        stream=stream_of(flags),
        cache=None if flags.cache is None else str(flags.cache),
        conditional=flags.conditional)
    data = None
    if read is not None:
        data, wanted = read(wanted, seed=flags.seed, shape=model.shape,
                            image_side=model.image_side,
                            may_stream=model.spec.accepts.stream)
    defaults, accepts = model.spec.defaults, model.spec.accepts
    batch_size = flags.batch_size or defaults.batch_size
    count, description = wanted.count, wanted.description
    if count is not None and batch_size > count:
        if flags.batch_size is not None:
            parser.error(f"--batch_size {batch_size} is larger than the "
                         f"{count} examples of {description}")
        # a default is a suggestion, not a demand the data must meet
        # (--model faces' 200 and LFW's 100 faces)
        if say is not None:
            say(f"--batch_size {count}: the {count} examples of "
                f"{description} are fewer than --model {name}'s default "
                f"{batch_size}")
        batch_size = count
    if count is not None:
        augment, line = choose_augment(techniques.augment, count,
                                       description)
        techniques = dataclasses.replace(techniques, augment=augment)
        if line and say is not None:
            say(line)
    lr = flags.lr or defaults.lr
    optimiser = OptimiserConfig(
        lr=lr,
        d_lr=(flags.d_lr or defaults.d_lr or lr) if accepts.d_lr else None,
        b1=defaults.b1 if flags.b1 is None else flags.b1,
        b2=defaults.b2 if flags.b2 is None else flags.b2)
    multi_worker = flags.strategy == "multi-worker"
    settings = RunSettings(
        out=flags.out, resume=flags.resume, n_epochs=flags.n_epochs,
        steps_per_epoch=flags.steps_per_epoch or (
            None if count is None else max(1, count // batch_size)),
        sample_interval=flags.sample_interval,
        checkpoint_every=flags.checkpoint_every, seed=flags.seed,
        deterministic=flags.deterministic, doctor=flags.doctor,
        tensorboard=flags.tensorboard, strategy=flags.strategy,
        devices=flags.devices,
        worker_timeout=(flags.worker_timeout or WORKER_TIMEOUT
                        if multi_worker else None),
        verbose=flags.verbose)
    config = RunConfig(
        data=wanted,
        model=ModelConfig(
            name=name, latent_dim=flags.latent_dim or defaults.latent_dim,
            batch_size=batch_size,
            disc_iter=(defaults.disc_iter if flags.disc_iter is None
                       else flags.disc_iter),
            capacity=(flags.capacity or 1.) if accepts.capacity
            else None,
            precision=(flags.precision if accepts.bfloat16
                       else "float32")),
        optimiser=optimiser, techniques=techniques, run=settings)
    return config, data


def with_arithmetic(config):
    """Return ``config`` with ``precision`` settled into ``float32`` or
    ``bfloat16`` (``ganlab.nets.precision.choose_precision``: ``auto`` is
    bfloat16 on a GPU; bfloat16 asked for where it is not native falls
    back to float32 with one warning line). Models that compute in
    float32 only keep it. Asks TensorFlow for the devices: call it once
    the strategy has made them."""
    if not registry.entry(config.model.name).spec.accepts.bfloat16:
        return config
    from ganlab.nets.precision import choose_precision
    requested = {"auto": None, "float32": False,
                 "bfloat16": True}[config.model.precision]
    return dataclasses.replace(config, model=dataclasses.replace(
        config.model,
        precision=choose_precision(requested, "--precision bfloat16")))
