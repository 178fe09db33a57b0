#!/usr/bin/env python3
"""What a ``train`` run does around ``fit``: the line it starts with, its
callbacks in the order they must act, and the generator it keeps.

``ganlab.training.train.start`` hands these a started run, a dict of its
config, model, GAN, examples, average, checkpoint and run folder.
"""
from ganlab.data import image_sets

# --conditional's sample grids: one row per class, of this many samples
CLASS_COLUMNS = 8


def state_line(config, checkpoint, epochs_done):
    """Return what the run starts as: new, or where it resumes."""
    if not config.run.resume:
        return "new run"
    if checkpoint.latest() and checkpoint.steps_into_epoch:
        return (f"resuming in epoch {epochs_done + 1}, after its step "
                f"{checkpoint.steps_into_epoch}")
    if checkpoint.latest():
        return f"resuming after epoch {epochs_done}"
    return (f"--resume: {config.run.out / 'checkpoints'} holds no "
            "checkpoint yet (the run stopped before its first save): "
            "starting from epoch 0")


def callbacks_of(run):
    """Return ``(callbacks, doctor)`` of a started ``run`` (``start``'s
    dict), in the order they must act: the log sees a step before the
    doctor may roll it back, the average moves before the doctor (whose
    rollback then restores it with the rest), and the doctor acts before
    the checkpoint may save a broken state."""
    import tensorflow as tf
    from tensorflow import keras

    from ganlab.nets.saved import latent_dim_of
    from ganlab.training.callbacks import GANDoctor, LossLog, SampleGrid
    from ganlab.arrays import class_grid_inputs
    config, out, averaging = run["config"], run["out"], run["averaging"]
    callbacks = [LossLog(out, run["loss_names"])]
    if averaging is not None:
        callbacks.append(averaging)
    doctor = None
    if config.run.doctor != "off":
        doctor = GANDoctor(run["loss_names"], run["checkpoint"],
                           roll_back=config.run.doctor == "rollback")
        callbacks.append(doctor)
    callbacks.append(run["checkpoint"])
    if run["examples"].ndim == 4:
        names = config.data.class_names
        latent = tf.random.stateless_normal(
            (CLASS_COLUMNS if names else 16,
             latent_dim_of(run["gan"].generator)),
            seed=(config.run.seed, 1))
        columns, row_titles = 4, None
        if names:
            latent = class_grid_inputs(latent, range(len(names)))
            columns, row_titles = CLASS_COLUMNS, names
        callbacks.append(SampleGrid(
            latent, image_sets.symmetric_to_unit, out / "samples",
            columns=columns, row_titles=row_titles,
            every_steps=config.run.sample_interval, gif=out / "samples.gif",
            log_dir=out / "tensorboard" / "samples"
            if config.run.tensorboard else None,
            network=lambda trained: kept_generator(run, trained)))
    if config.run.tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(
            str(out / "tensorboard"), write_graph=False))
    return callbacks, doctor


def kept_generator(run, trained):
    """The network the grids show and ``generator.keras`` keeps: the
    averaged copy, at the ``trained`` GAN's stage, when there is one."""
    if run["averaging"] is None:
        return trained.generator
    return run["model"].follow(run["averaging"].average.network,
                               trained.generator)
