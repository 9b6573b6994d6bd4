"""What a grid plans, checked against the paper's grid by counting (found by mutation testing): every network
of a grid trains with its own seed, those of two random splits or two replicates included."""

from minitransfer.experiment import plan_grid, run_seed


def test_every_network_of_a_grid_has_its_own_training_seed():
    """A3B of random0 and A3B of random1 are two networks (the paper's several splits): trained with one seed,
    their upper layers would draw alike and their spread would not be one of seeds."""
    runs = plan_grid(random_seeds=(0, 1), natural=True, replicates=2, random_frozen=(1, 7), per_class=(10,))
    names = {run.name for run in runs}
    assert len(names) == len(runs)
    assert {"random0/A3B", "random1/A3B", "natural/A7B", "natural-1/A7B", "all/random7", "all-1/random7"} <= names
    for seed in (0, 5):
        assert len({run_seed(seed, run) for run in runs}) == len(runs)
