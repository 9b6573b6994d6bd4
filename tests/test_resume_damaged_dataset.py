"""A finished run resumed (``--resume auto``, or its run folder) once its dataset is damaged (meta.json
garbled, a shard made a folder): the resumption checks the run against its dataset, which it cannot
read, and is refused (65), but it said only "ds/meta.json: not valid JSON", as if the run were lost,
where the README says a resumption ends at once on a finished run. Now the refusal says the run is
finished, and still names the damaged file and what to do."""

import shutil

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data.dataset import DatasetError

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2}
COMMAND = ["train", "--data", "ds", "--split", "all", "--preset", "micro", "--batch-size", "8", "--max-iter", "2",
           "--eval-every", "2", "--device", "cpu", "-o", "net.h5"]
DAMAGE = {"meta-garbled": ("ds/meta.json", "not valid JSON (Expecting value: line 1 column 1 (char 0)): "),
          "shard-a-folder": ("ds/val-00000.h5", "a folder where meta.json lists a shard file: ")}
FINISHED = ("error: bad data: the run of net.h5 is finished (net.run/result.json written: nothing is left to train), "
            "but a resumption checks it against its dataset, and ")


@pytest.fixture
def finished(micro_data, tmp_path, monkeypatch):
    """A finished micro run, net.h5 and net.run, trained on ds, a copy of ``micro_data``, in the working folder."""
    shutil.copytree(micro_data, tmp_path / "ds")
    monkeypatch.chdir(tmp_path)
    training.train(config.TrainConfig(out="net.h5", data="ds", split="all", quiet=True, device="cpu", **FAST))
    return tmp_path


def _damage(folder, damage):
    """Damage the dataset ds in ``folder`` as ``damage`` (a key of DAMAGE) says: the file it names."""
    path = folder / DAMAGE[damage][0]
    if damage == "meta-garbled":
        path.write_text("garbage")
    else:
        path.unlink()
        path.mkdir()
    return DAMAGE[damage][0]


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("resume", [["--resume", "auto"], ["--resume", "net.run"]], ids=["auto", "run-folder"])
def test_a_finished_run_resumed_with_its_dataset_damaged_is_said_finished(finished, damage, resume):
    result = finished / "net.run" / "result.json"
    before = result.read_bytes(), result.stat().st_mtime_ns
    named = _damage(finished, damage)
    done = CliRunner().invoke(main, [*COMMAND, *resume])
    assert done.exit_code == 65, done.output
    assert done.output == f"{FINISHED}{named}: {DAMAGE[damage][1]}rerun the prepare command that built it\n"
    assert (result.read_bytes(), result.stat().st_mtime_ns) == before  # the run as it was


@pytest.mark.parametrize("damage", DAMAGE)
def test_an_unfinished_run_or_a_plain_train_is_refused_naming_the_damage_alone(finished, damage):
    """The run is not said finished where it is not (its result.json not written), nor by a train
    without --resume, which would train the run again."""
    named = _damage(finished, damage)
    plain = CliRunner().invoke(main, COMMAND)
    (finished / "net.run" / "result.json").unlink()
    resumed = CliRunner().invoke(main, [*COMMAND, "--resume", "auto"])
    for done in (plain, resumed):
        assert done.exit_code == 65, done.output
        assert done.output == f"error: bad data: {named}: {DAMAGE[damage][1]}rerun the prepare command that built it\n"


def test_the_library_says_so_too(finished):
    _damage(finished, "meta-garbled")
    with pytest.raises(DatasetError) as refused:
        training.train(config.TrainConfig(out="net.h5", data="ds", split="all", quiet=True, device="cpu",
                                          resume="auto", **FAST))
    assert str(refused.value).startswith(FINISHED.removeprefix("error: bad data: ") + "ds/meta.json: not valid JSON")
