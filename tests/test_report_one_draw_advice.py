"""A difference of two groups, one of a single network and the other of networks enough but of one draw (the
natural split's AnB and BnA of one replicate, beside one random split's AnB), has no standard error on either side:
its "not resolved" advised more of the single network's split alone (more random splits), which would leave the
other side without its standard error still. It advises both now."""

import json

from fake_results import finished_result
from minitransfer import experiment as grid
from minitransfer.report import measure

ACCURACY = {"baseA": 0.9, "baseB": 0.9, "A7B": 0.6, "B7A": 0.62, "B7B": 0.9}
NATURAL_MORE = "more replicates of the natural split (experiment --replicates)"
RANDOM_MORE = "more random splits (experiment --split-seed, once per split)"


def test_dissimilar_of_one_replicate_and_one_network_advises_both(tmp_path):
    out = tmp_path / "g"
    for run in grid.plan_grid(layers=[7], natural=True, fine_tuned=False):
        label = run.name.split("/")[1]
        if label not in ACCURACY or run.split == "random" and label == "B7A":
            continue
        folder = grid.run_dir(out, run)
        folder.mkdir(parents=True)
        grid.weights_path(out, run.name).write_text("weights")
        (folder / "treatment.json").write_text(json.dumps(run.to_json()))
        (folder / "result.json").write_text(json.dumps(finished_result(top1=ACCURACY[label])))
    findings = {f.claim: f for f in measure(out).findings}
    finding = findings["dissimilar"]
    assert finding.networks == 3 and not finding.holds, finding.text  # 2 natural (one replicate) + 1 random
    assert "not resolved" in finding.text
    assert NATURAL_MORE in finding.text and RANDOM_MORE in finding.text, finding.text
    # why the group of 2 is advised more too: "(2 + 1; at least 2 per group)" alone did not say
    assert ("(2 + 1; at least 2 per group), and one replicate gives no standard error (its AnB and BnA share its "
            "bases): train more") in finding.text, finding.text
    assert "gives no standard error" not in findings["specific"].text  # 1 + 1 networks: too few is the whole why
