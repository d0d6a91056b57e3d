"""The report's words in English. Placeholders in braces are filled from the runs (`compare.reporting.content`)."""

TEXT = {
    "lang": "en",
    "title": "Backpropagation by hand: reference solutions, checked against PyTorch",
    "intro": (
        "The seed lesson (a company's hiring committee as a 2-2-2-1 sigmoid network) and its three exercises, "
        "answered. Every number below comes from a run of the lockstep harness: the manual NumPy backprop "
        "and a PyTorch nn.Module + SGD + DataLoader start from identical weights, the NumPy side trains on "
        "exactly the samples the DataLoader yields, and every weight and bias of both is compared after "
        "every update. Each run names the command that reproduces it; add `--json` to get the same numbers "
        "as one JSON object."),
    "setup": ("Runs: {runs}, {updates} updates checked in all; learning rate {lr}, {epochs} epochs, {dtype}. "
              "Random modes: seeds {seeds} (the sample order comes from torch.Generator().manual_seed(seed)). "
              "Python {python}, NumPy {numpy}, PyTorch {torch}."),
    "contents": "Contents",
    "command": "Command",
    "modes": {"batch": "batch", "stochastic": "stochastic", "minibatch": "minibatch"},
    "orders": {"shuffle": "shuffle", "sequential": "sequential", "replacement": "replacement"},
    "seed_is": "seed {seed}",
    "label_sep": ": ",
    "font_help": "",
    "list_sep": ", ",
    "space": " ",
    "run_line": "Mode: {mode}. {per_epoch} update(s) per epoch, {updates} updates in all.",
    "epoch": "epoch",
    "loss": "loss",
    "candidate": "candidate",
    "input": "input",
    "target": "target",
    "output": "output",
    "prediction": "prediction",
    "seed": "seed",
    "final_loss": "loss at epoch {epoch}",
    "largest_dev": "largest |numpy - torch|",
    "parity_ok": ("Parity: OK, {updates} updates checked (every weight and bias after every update); "
                  "largest |numpy - torch| = {dev} (tolerance {tol})."),
    "mode": "mode",
    "seeds": "seeds",
    "loss_range": "loss at epoch {epoch}, lowest ... highest",
    "loss_spread": "(highest - lowest) / mean",
    "predictions_seen": "predictions (how many seeds)",
    "program_h": "The program",
    "program_run": ("The corrected program, in the lesson's style with its mistakes fixed, is in answers/ beside "
                    "this page; run in this folder, it prints the numbers above to the last digit:"),
    "program_run_both": ("The corrected program (in answers/ beside this page) runs both (batch_size 1, then 2); "
                         "run in this folder, it prints the numbers above to the last digit:"),
    "program_run_ex3": ("The corrected program (in answers/ beside this page) runs the four modes; run in this "
                        "folder, its batch run prints the numbers above to the last digit:"),
    "ex3_numpy_order": ("Its random modes draw their order with NumPy's `numpy.random.default_rng(seed)` (a NumPy "
                        "program has no DataLoader), as `python -m numpy_impl` does. So the same seed gives another "
                        "order than in the runs above, and the program prints these numbers (seed 0), those of "
                        "`python -m numpy_impl exercise3` with the same options:"),
    "program_details": "{file}: the whole program ({lines} lines)",
    "program_missing": "The corrected program is {file} in the project's repository (missing here).",
    "ex3_seeds_details": "Every seed: {runs} runs, each with its command and numbers",
    "question": "Question",
    "answer": "Answer",
    "numbers": "Numbers",
    "figures": "Figures",
    # the handout (no answers)
    "handout_title": "Backpropagation by hand: exercises",
    "handout_intro": (
        "A company's hiring committee as a neural network: two section chiefs score each candidate's IQ and EQ "
        "from a study score and a practice score, two directors score ability and attitude from those, and the "
        "president decides. That is a 2-2-2-1 network with a sigmoid on every layer. It starts from "
        "W1 = [[0.8, 0.2], [0.2, 0.8]], b1 = [-1, 0.3], W2 = [[0.5, 0.0], [0.5, 1.0]], b2 = [0.1, -0.1], "
        "W3 = [[0.5], [0.5]], b3 = [-0.6], and learns with learning rate 0.1 and the loss (t - a)^2 / 2 "
        "summed over the outputs and averaged over the batch. Answer the questions below, write your "
        "backward pass in the template, and check it."),
    "handout_template_h": "5. Your backward pass",
    "handout_template": ("Fill in the TODO lines of {file} (beside this page): the output layer's delta, each "
                         "layer's gradients averaged over the batch, and the delta one layer down."),
    "handout_check_h": "6. How to check it",
    "handout_check": ("The check trains your backward next to PyTorch's autograd, from the same weights and on "
                      "the same samples, and compares your gradients and the updated weights after every "
                      "update:"),
    "handout_check_one": "One experiment, every descent mode of exercise 3:",
    "handout_verdicts": (
        "Exit status 0: every update matched. Exit status 1: the first disagreement, named: the update, the "
        "stage (forward, gradient or update), the layer, the parameter and element (for example W2[1, 0]), "
        "both values, and what the pattern suggests (a sign, a factor of the batch size, a transposed "
        "matrix). Exit status 2: the file does not load, has no backward, or returns the wrong shapes. "
        "To see one update of your backward next to the reference, number by number:"),
    "handout_explain": "Fix the first disagreement it names, then run the check again.",
    # sections
    "hiring_h": "1. The seed's example: one candidate",
    "hiring_q": ("Zhang San scores 1 in study and 0.1 in practice; the committee should hire him (target 1). "
                 "Train the 2-2-2-1 network from the given weights with learning rate 0.1 for {epochs} epochs, "
                 "print the loss every {every} epochs, then the output and the prediction."),
    "hiring_a": ("One sample, so stochastic and batch descent are the same: one update per epoch. The loss "
                 "falls from {first} at epoch 0 to {last} at epoch {last_epoch}; the president's output for "
                 "Zhang San ends at {output}, above 0.5: hire (prediction {prediction})."),
    "ex1_h": "2. Exercise 1: the committee without the president",
    "ex1_q": ("Remove the president. Zhang San's sample becomes (1.0, 0.1, 1.0, 1.0): study, practice, and "
              "the true ability and attitude. How must the code change?"),
    "ex1_a": ("The directors' layer becomes the output layer: a 2-2-2 network with W1, b1, W2, b2 as before "
              "and no W3, b3. The targets are one row per sample and one column per output, T = [[1.0, 1.0]] "
              "(shape 1 x 2). Both outputs are trained and predicted separately: after {epochs} epochs "
              "ability = {out0} and attitude = {out1}, predictions {prediction}."),
    "ex1_accident_h": "Why the seed's 2x1 target array only worked by accident",
    "ex1_accident": [
        "The seed writes T = np.array([[1], [1]]): two rows, i.e. two SAMPLES with one output each, for one "
        "sample with two outputs.",
        "Training slices batch_T = T[0:1] = [[1]] (shape 1 x 1); batch_T - A2 then broadcasts that single "
        "1 against both outputs (shape 1 x 2). The second row of T is never read.",
        "The loss line computes T - A2 with shapes (2, 1) and (1, 2), which broadcasts to a 2 x 2 matrix: "
        "every output against every 'target'.",
        "Both give the right numbers only because the two targets happen to be equal. With targets "
        "(1, 0) the seed would still train attitude towards 1 and print a meaningless loss, without any "
        "error. Our experiment files require targets of shape (samples, outputs) and refuse anything else.",
    ],
    "ex2_h": "3. Exercise 2: a second candidate, one update per sample or one per batch",
    "ex2_q": ("Add Li Si (0.1, 1.0) with target 0. How does the code change? Is the gradient computed and the "
              "weights updated once per sample, or once for both samples together? (Hint: batch_size.)"),
    "ex2_a": ("Only X and T change: two rows each. Then batch_size decides. With batch_size = 1 (the seed's "
              "value) every sample gets its own gradient and its own update, Zhang San then Li Si: "
              "{per_epoch_sgd} updates an epoch, {updates_sgd} in all, loss {loss_sgd} at epoch {last_epoch}. "
              "With batch_size = 2 both samples go through the network together and their gradients are "
              "averaged into one update: {per_epoch_batch} update an epoch, {updates_batch} in all, loss "
              "{loss_batch} at epoch {last_epoch}. Predictions (Zhang San, Li Si): ({pred_sgd}) one "
              "sample at a time, ({pred_batch}) both together."),
    "ex2_faster": ("Per epoch, one update per sample learns faster here: it takes {ratio:g} times as many "
                   "steps of the same learning rate."),
    "ex2_slower": ("Here the single averaged update per epoch ends lower, although one update per sample "
                   "takes {ratio:g} times as many steps."),
    "ex3_h": "4. Exercise 3: batch, stochastic and mini-batch descent",
    "ex3_q": ("Four candidates: Zhang San (1, 0.1) -> 1, Li Si (0.1, 1) -> 0, Wang Wu (0.1, 0.1) -> 0, "
              "Zhao Liu (1, 1) -> 1. Use batch_size to implement batch, stochastic and mini-batch gradient "
              "descent; stochastic and mini-batch must show their randomness."),
    "ex3_a": ("Only the number of samples per update changes. Batch: all 4 samples, one averaged update an "
              "epoch. Stochastic: 1 sample per update, 4 updates an epoch, in a new random order every "
              "epoch. Mini-batch: 2 samples per update, 2 updates an epoch, the pairs drawn at random every "
              "epoch. The seed's own SGD draws ONE random sample per epoch, with replacement: 1 update an "
              "epoch (order \"replacement\", samples_per_epoch 1). The loss at epoch {last_epoch} is "
              "{loss_batch} (batch), {loss_sgd} (stochastic, seed 0), {loss_mini} (mini-batch, seed 0) and "
              "{loss_seed_sgd} (the seed's SGD, seed 0). Compare them per update as well as per epoch: "
              "in the same epochs stochastic makes 4 times as many steps as batch, mini-batch twice as many, "
              "and the seed's SGD the same number, each from a single sample."),
    "ex3_random": ("The randomness: each random mode ran with seeds {seeds}. The same seed gives the same "
                   "order every time (reproducible), a different seed a different order. Over these seeds "
                   "the loss at epoch {last_epoch} ranges over [{sgd_min}, {sgd_max}] (stochastic), "
                   "[{mini_min}, {mini_max}] (mini-batch) and [{seed_min}, {seed_max}] (the seed's SGD)."),
    "ex3_seeds_h": "Every seed",
    "variant": {
        "stochastic": "stochastic (batch_size 1)",
        "stochastic_seq": "stochastic (batch_size 1, in order)",
        "batch": "batch (all samples at once)",
        "minibatch": "mini-batch (batch_size 2, shuffled)",
        "seed_sgd": "the seed's SGD (1 random sample per epoch, with replacement)",
    },
    "variant_short": {"stochastic": "stochastic", "stochastic_seq": "stochastic, in order", "batch": "batch",
                      "minibatch": "mini-batch", "seed_sgd": "the seed's SGD"},
    "per_epoch": "{label} (updates/epoch: {n})",
    "mode_seed": "{variant}, seed {seed}",
    "mistakes_h": "5. The seed's mistakes, and how we fix them",
    "mistakes": [
        ("Exercise 1 writes its targets as a 2x1 column (two samples with one output) for one sample with two "
         "outputs; it works only by broadcasting, see above.",
         "Targets are always (samples, outputs); a wrong shape is refused with a one-line error."),
        ("Exercise 1's predict uses `x.all() >= 0.5`: `x.all()` is True for any non-zero row, and sigmoid "
         "outputs are never zero, so it predicts 1 whatever the outputs, and one value per sample.",
         "One prediction per output: 1 where the output is >= 0.5, else 0."),
        ("The SGD answer calls `random.randint(X.shape[0])` but never imports `random` (NameError; "
         "`np.random.randint` was meant).",
         "order \"replacement\" draws with a seeded sampler (RandomSampler with a torch.Generator; "
         "numpy.random.default_rng(seed) when NumPy runs alone)."),
        ("The mini-batch answer sets batch_size = 2 after max_batch was computed with batch_size 1: "
         "max_batch stays 4, batches 2 and 3 are empty, and dividing by batch_X.shape[0] = 0 fills the "
         "weights with NaN.",
         "The number of batches is computed from the batch size in effect: ceil(N / batch_size)."),
        ("`max_batch = N // batch_size` silently drops a last partial batch (latent in its data: 4 samples "
         "in batches of 3 would never train on the fourth).",
         "A last partial batch is kept unless drop_last = true is asked for."),
        ("No seed anywhere, and its \"random\" mini-batch takes the same pairs in the same order every epoch.",
         "Every random order comes from the experiment's seed, and shuffle draws a new permutation each "
         "epoch; this report names the seeds it used."),
    ],
    "mistake": "the seed",
    "fix": "our fix",
    "parity_h": "6. The proof: both implementations agree after every update",
    "parity_text": ("{runs} runs, {updates} updates, every weight and bias compared after each: the largest "
                    "difference anywhere was {dev} (tolerance {tol}). The figures show the largest difference "
                    "after every update, per exercise, on a log scale."),
    "parity_zero": ("After some updates the two agree to the last bit: a difference of exactly 0, which a log "
                    "scale cannot show, is drawn at the bottom edge of its figure."),
    "reproduce_h": "7. Reproduce this report",
    "reproduce": "The whole report: `{command}`. Each run above names its own command.",
    # figures
    "fig_epoch": "epoch",
    "fig_loss": ("loss", "loss (log scale)"),   # (linear axis, log axis)
    "fig_update": "update",
    "fig_dev": "largest |numpy - torch| (log scale)",
    "fig_tol": "tolerance atol {atol:g}",
    "fig_loss_title": "{name}: loss",
    "fig_parity_title": "{name}: numpy vs torch after every update",
    "fig_map_title": "{name}: trained network over the input square",
    "stop": ". ",
    "fig_per_epoch": "per epoch",
    "fig_per_update": "per update",
    "cap_loss": "The loss on the whole data set every {every} epochs, joined by a line.",
    "cap_loss_1": "The loss on the whole data set after every epoch, joined by a line.",
    "cap_loss_update": ("Above, against the epoch; below, the same runs against the number of updates made "
                        "(an epoch of stochastic descent is several updates)."),
    "cap_loss_styles": ("Curves that coincide are told apart by their dash patterns and markers (spaced out along "
                        "each curve, not the logged points)."),
    "cap_map_range": "The colours span the outputs from {low} to {high}.",
    "cap_map_narrow": ("The colours span only {low} to {high}: the output is nearly the same everywhere, and the "
                       "colours magnify differences this small."),
    "cap_map_shared": "Every panel uses the same colour scale.",
    "cap_map_contours": "Thin lines are contours, labelled with the output.",
    "cap_map_boundary_all": "The thick line, where the output crosses 0.5, is the decision boundary.",
    "cap_map_boundary": "In {panels}, the thick line, where the output crosses 0.5, is the decision boundary.",
    "cap_map_above_all": ("The output stays above 0.5 everywhere on the square: no decision boundary, every point "
                          "is predicted 1."),
    "cap_map_above": "In {panels}, the output stays above 0.5 everywhere: no decision boundary.",
    "cap_map_below_all": ("The output stays below 0.5 everywhere on the square: no decision boundary, every point "
                          "is predicted 0."),
    "cap_map_below": "In {panels}, the output stays below 0.5 everywhere: no decision boundary.",
    "fig_first_updates": "after every update, first {epochs} epochs",
    "fig_spread": "(max - min) / mean over seeds",
    "fig_band": "lowest to highest seed",
    "fig_mean": "mean over seeds",
    "fig_one_seed": "the one seed",
    "cap_seeds_band": ("Each random mode over seeds {seeds}. Above: the loss after every single update of the first "
                       "{epochs} epochs; the band spans the lowest to the highest seed, the line is their mean. Every "
                       "seed takes the samples in its own order, and the loss moves with each update."),
    "cap_seeds_below": ("Below: over the whole run, how far apart the seeds are at the end of each epoch relative "
                        "to their mean (log scale): {trends}."),
    "spread_item": "{label}, {first} after the first epoch and {last} after the last ({trend})",
    "spread_shrank": "it shrank: the seeds drew together",
    "spread_grew": "it grew: the orders took the seeds apart",
    "spread_same": "unchanged",
    "spread_zero": "every seed ends at the same loss",
    "item_sep": "; ",
    "panel_sep": "; ",          # between panel labels, which hold commas of their own
    "cap_seeds_one": ("Each random mode with seed {seeds}: the loss after every single update of the first "
                      "{epochs} epochs. The loss moves with each sample; more seeds (--seeds K) show how far the "
                      "orders take the runs apart."),
    "no_cjk_font": "",
    "fig_seeds_title": "{variant}, {k} seeds",
    "map_x": "study score (input 1)",
    "map_y": "practice score (input 2)",
    "map_colour": "network output",
    "map_boundary": "output = 0.5",
    "map_classes": ("target 0 (reject)", "target 1 (hire)"),
    "map_class_output": "{output} target {value}",
    "map_colour_output": "network output: {output}",
    "map_outputs": ("ability", "attitude"),
    "names": {"Zhang San": "Zhang San", "Li Si": "Li Si", "Wang Wu": "Wang Wu", "Zhao Liu": "Zhao Liu"},
    "section_names": {"hiring": "The seed's example", "exercise1": "Exercise 1", "exercise2": "Exercise 2",
                      "exercise3": "Exercise 3"},
}
