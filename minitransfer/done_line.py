"""How the line a finished train says its result on begins, "done: final top-1 ": train writes it
(:func:`minitransfer.run_lines.result_line`), and a grid's train.log that ends on it tells a run that trained to its
end (:func:`minitransfer.run_networks.files_gone`). A leaf that both import: run_lines imports experiment,
whose imports reach run_networks (run_networks → run_lines → experiment → config → ... → resume_options →
run_networks), so the words could live in neither of the two for the other.
"""

DONE_WORDS = "done: final top-1 "
