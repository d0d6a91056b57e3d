"""报告的中文文字 (the report's words in Chinese). Same keys and placeholders as `text_en.TEXT`."""

TEXT = {
    "lang": "zh",
    "title": "反向传播代码实践：参考答案（逐次与 PyTorch 核对）",
    "intro": (
        "本报告解答原课程（把公司招聘部门看作一个 2-2-2-1 的 sigmoid 神经网络）及其三道实验题。"
        "下文的每个数字都来自“同步核对”运行：手写 NumPy 反向传播与 PyTorch 的 nn.Module + SGD + DataLoader "
        "从完全相同的权值出发，NumPy 一侧严格使用 DataLoader 给出的样本顺序训练，并且在每一次权值更新之后"
        "逐个比较两边所有的权值和偏置。每次运行都给出可复现它的命令；在命令后加 `--json` 即可得到同样的数字"
        "（一个 JSON 对象）。"),
    "setup": ("运行次数：{runs}，共核对 {updates} 次更新；学习率 {lr}，训练周期数 {epochs}，{dtype}。"
              "随机模式使用的随机种子：{seeds}（样本顺序来自 torch.Generator().manual_seed(seed)）。"
              "Python {python}，NumPy {numpy}，PyTorch {torch}。"),
    "contents": "目录",
    "command": "命令",
    "modes": {"batch": "批量", "stochastic": "随机", "minibatch": "小批量"},
    "orders": {"shuffle": "每周期重新打乱", "sequential": "按顺序", "replacement": "有放回抽样"},
    "seed_is": "随机种子 {seed}",
    "label_sep": "：",
    "font_help": ("If the Chinese text shows as empty boxes, this device has no Chinese font: install one (Debian / "
                  "Ubuntu: `sudo apt install fonts-noto-cjk`; Fedora: `sudo dnf install google-noto-sans-cjk-fonts`; "
                  "macOS, iOS, Windows and Android have one) and reopen the page."),
    "list_sep": "，",
    "space": "",
    "run_line": "模式：{mode}。每个周期更新 {per_epoch} 次，共 {updates} 次更新。",
    "epoch": "周期",
    "loss": "损失",
    "candidate": "应聘者",
    "input": "输入",
    "target": "真值",
    "output": "输出",
    "prediction": "预测",
    "seed": "随机种子",
    "final_loss": "第 {epoch} 周期的损失",
    "largest_dev": "最大 |numpy - torch|",
    "parity_ok": ("核对：通过。共核对 {updates} 次更新（每次更新后比较每个权值和偏置）；"
                  "最大 |numpy - torch| = {dev}（容差 {tol}）。"),
    "mode": "模式",
    "seeds": "种子数",
    "loss_range": "第 {epoch} 周期的损失，最低 ... 最高",
    "loss_spread": "（最高 - 最低）/ 平均",
    "predictions_seen": "预测（种子数）",
    "program_h": "程序",
    "program_run": ("改正后的程序（保持原课程的写法，改正其中的错误）在本页旁边的 answers/ 目录中；在本目录中运行，"
                    "它打印出与上文完全相同的数字（每一位都相同）："),
    "program_run_both": ("改正后的程序（在本页旁边的 answers/ 目录中）依次运行两种情况（batch_size 1，然后 2）；"
                         "在本目录中运行，打印出与上文完全相同的数字："),
    "program_run_ex3": ("改正后的程序（在本页旁边的 answers/ 目录中）依次运行四种模式；在本目录中运行，"
                        "其中批量梯度下降打印出与上文完全相同的数字："),
    "ex3_numpy_order": ("其随机模式用 NumPy 的 `numpy.random.default_rng(seed)` 生成样本顺序"
                        "（NumPy 程序没有 DataLoader），与 `python -m numpy_impl` 相同。"
                        "因此同一个种子给出的顺序与上文的运行不同，程序打印的是下面这些数字"
                        "（种子 0），即相同选项下 `python -m numpy_impl exercise3` 的结果："),
    "program_details": "{file}：完整程序（{lines} 行）",
    "program_missing": "改正后的程序是项目仓库中的 {file}（此处缺失）。",
    "ex3_seeds_details": "每个随机种子：{runs} 次运行，各自的命令和数字",
    "question": "问题",
    "answer": "解答",
    "numbers": "数据",
    "figures": "图",
    # the handout (no answers)
    "handout_title": "反向传播代码实践：练习",
    "handout_intro": (
        "把公司的招聘部门看作一个神经网络：两位科长根据学习成绩和实践得分评估应聘者的智商和情商，两位处长据此"
        "评估工作能力和工作态度，最后由总裁作出决定。这是一个每层都用 sigmoid 的 2-2-2-1 网络。初始值为 "
        "W1 = [[0.8, 0.2], [0.2, 0.8]]，b1 = [-1, 0.3]，W2 = [[0.5, 0.0], [0.5, 1.0]]，b2 = [0.1, -0.1]，"
        "W3 = [[0.5], [0.5]]，b3 = [-0.6]；学习率 0.1，损失为 (t - a)^2 / 2 对各输出求和、对一批样本取平均。"
        "请回答下面的问题，在模板中写出你的反向传播，并检查它。"),
    "handout_template_h": "5. 你的反向传播",
    "handout_template": "填写 {file}（与本页放在一起）中的 TODO 行：输出层的 delta、各层对一批样本取平均的梯度，"
                        "以及向下一层传递的 delta。",
    "handout_check_h": "6. 如何检查",
    "handout_check": "检查程序让你的反向传播与 PyTorch 的自动求导从相同的权值出发、用相同的样本一起训练，"
                     "并在每一次更新之后比较你的梯度和更新后的权值：",
    "handout_check_one": "只检查一个实验，依次运行实验题 3 的每种梯度下降模式：",
    "handout_verdicts": (
        "退出状态 0：每一次更新都一致。退出状态 1：给出第一处不一致：第几次更新、哪个阶段（前向、梯度或更新）、"
        "哪一层、哪个参数的哪个元素（例如 W2[1, 0]）、两边的值，以及这种差异提示的原因（符号、batch size 的倍数、"
        "矩阵转置）。退出状态 2：文件无法加载、没有 backward，或返回的形状不对。"
        "若要逐个数字地对照查看你的反向传播在某一次更新中的计算过程："),
    "handout_explain": "改正它指出的第一处不一致，然后再运行检查。",
    # sections
    "hiring_h": "1. 示例：一位应聘者",
    "hiring_q": ("张三的学习成绩为 1，实践得分为 0.1，应当录用（真值 1）。用给定的初始权值训练 2-2-2-1 网络，"
                 "学习率 0.1，训练 {epochs} 个周期，每 {every} 个周期输出一次损失，最后输出网络结果和预测。"),
    "hiring_a": ("只有一个样本，所以随机梯度下降与批量梯度下降完全相同：每个周期更新一次。损失从第 0 周期的 "
                 "{first} 降到第 {last_epoch} 周期的 {last}；总裁对张三的最终输出为 {output}，大于 0.5："
                 "录用（预测 {prediction}）。"),
    "ex1_h": "2. 实验题 1：去掉总裁这一层",
    "ex1_q": ("去掉总裁这一层，张三的样本改为 (1.0, 0.1, 1.0, 1.0)，分别是学习成绩、实践成绩、工作能力真值、"
              "工作态度真值。代码应该如何修改？"),
    "ex1_a": ("两位处长所在的层变成输出层：网络变为 2-2-2，W1、b1、W2、b2 不变，去掉 W3、b3。真值每个样本一行、"
              "每个输出一列：T = [[1.0, 1.0]]（形状 1 x 2）。两个输出分别训练、分别预测：训练 {epochs} 个周期后，"
              "工作能力 = {out0}，工作态度 = {out1}，预测 {prediction}。"),
    "ex1_accident_h": "为什么原答案中 2x1 的真值数组只是碰巧可用",
    "ex1_accident": [
        "原答案写的是 T = np.array([[1], [1]])：两行，也就是两个“样本”、每个一个输出；而题目要的是一个样本、"
        "两个输出。",
        "训练时取 batch_T = T[0:1] = [[1]]（形状 1 x 1），batch_T - A2 把这一个 1 广播到两个输出上"
        "（形状 1 x 2）。T 的第二行从来没有被读到。",
        "计算损失时 T - A2 的形状是 (2, 1) 与 (1, 2)，广播成 2 x 2 矩阵：每个输出都与每个“真值”相减。",
        "这两处结果正确，只是因为两个真值恰好相等。如果真值是 (1, 0)，原代码仍会把工作态度朝 1 训练，"
        "并打印一个没有意义的损失，而且不报任何错误。我们的实验文件要求真值的形状为（样本数，输出数），"
        "其他形状一律拒绝。",
    ],
    "ex2_h": "3. 实验题 2：增加一位应聘者，逐个样本更新还是整批更新",
    "ex2_q": ("增加李四 (0.1, 1.0)，真值 0。代码如何修改？此时是一个样本计算一次偏导、更新一次权值，"
              "还是两个样本一起计算一次偏导、更新一次权值？（提示：注意 batch_size 的作用。）"),
    "ex2_a": ("只需修改 X 和 T：各两行。之后由 batch_size 决定。batch_size = 1（原代码的取值）时，每个样本"
              "单独计算偏导、单独更新一次权值，先张三后李四：每个周期更新 {per_epoch_sgd} 次，共 {updates_sgd} 次，"
              "第 {last_epoch} 周期的损失为 {loss_sgd}。batch_size = 2 时，两个样本一起通过网络，偏导取平均后"
              "只更新一次：每个周期更新 {per_epoch_batch} 次，共 {updates_batch} 次，第 {last_epoch} 周期的损失为 "
              "{loss_batch}。预测（张三，李四）：逐个样本更新为 ({pred_sgd})，整批更新为 ({pred_batch})。"),
    "ex2_faster": "按周期计，逐个样本更新在这里学得更快：同样的学习率，它走的步数是整批更新的 {ratio:g} 倍。",
    "ex2_slower": "这里每个周期一次平均更新反而损失更低，尽管逐个样本更新走的步数是它的 {ratio:g} 倍。",
    "ex3_h": "4. 实验题 3：批量、随机与小批量梯度下降",
    "ex3_q": ("样本为张三 (1, 0.1) -> 1、李四 (0.1, 1) -> 0、王五 (0.1, 0.1) -> 0、赵六 (1, 1) -> 1。"
              "请利用 batch_size 实现批量梯度下降、随机梯度下降和小批量梯度下降，其中随机梯度下降和"
              "小批量梯度下降要体现随机性。"),
    "ex3_a": ("三者只差在每次更新所用的样本数。批量：4 个样本一起，每个周期一次平均更新。随机：每次 1 个样本，"
              "每个周期 4 次更新，每个周期重新随机打乱顺序。小批量：每次 2 个样本，每个周期 2 次更新，每个周期"
              "随机分组。原答案自己的随机梯度下降每个周期只有放回地随机抽取一个样本：每个周期 1 次更新"
              "（order \"replacement\"，samples_per_epoch 1）。第 {last_epoch} 周期的损失：批量 {loss_batch}，"
              "随机（种子 0）{loss_sgd}，小批量（种子 0）{loss_mini}，原答案的随机梯度下降（种子 0）"
              "{loss_seed_sgd}。比较时请同时按周期和按更新次数来看：同样的周期数内，随机梯度下降的更新次数是"
              "批量的 4 倍，小批量是 2 倍，原答案的随机梯度下降与批量相同，但每次只用一个样本。"),
    "ex3_random": ("随机性：每种随机模式都用随机种子 {seeds} 各运行一次。相同的种子每次给出相同的顺序（可复现），"
                   "不同的种子给出不同的顺序。在这些种子上，第 {last_epoch} 周期的损失范围为：随机 "
                   "[{sgd_min}, {sgd_max}]，小批量 [{mini_min}, {mini_max}]，原答案的随机梯度下降 "
                   "[{seed_min}, {seed_max}]。"),
    "ex3_seeds_h": "每个随机种子的结果",
    "variant": {
        "stochastic": "随机梯度下降（batch_size 1）",
        "stochastic_seq": "随机梯度下降（batch_size 1，按顺序）",
        "batch": "批量梯度下降（全部样本）",
        "minibatch": "小批量梯度下降（batch_size 2，随机打乱）",
        "seed_sgd": "原答案的随机梯度下降（每周期放回抽取 1 个样本）",
    },
    "variant_short": {"stochastic": "随机", "stochastic_seq": "随机（按顺序）", "batch": "批量",
                      "minibatch": "小批量", "seed_sgd": "原答案的随机梯度下降"},
    "per_epoch": "{label}（每周期 {n} 次更新）",
    "mode_seed": "{variant}，种子 {seed}",
    "mistakes_h": "5. 原课程代码中的错误及我们的改正",
    "mistakes": [
        ("实验题 1 把一个样本的两个真值写成 2x1 的列（两个样本、各一个输出），只是靠广播才碰巧可用，见上文。",
         "真值的形状始终是（样本数，输出数）；形状不对时给出一行错误信息并拒绝运行。"),
        ("实验题 1 的 predict 用的是 `x.all() >= 0.5`：只要一行中没有 0，`x.all()` 就是 True，而 sigmoid "
         "的输出永远不为 0，所以无论输出是多少都预测 1，而且每个样本只给一个预测值。",
         "每个输出各自预测：输出 >= 0.5 为 1，否则为 0。"),
        ("随机梯度下降的答案调用了 `random.randint(X.shape[0])`，却从未导入 `random`（NameError；"
         "本意应是 `np.random.randint`）。",
         "order \"replacement\" 用带种子的采样器抽样（PyTorch 一侧为带 torch.Generator 的 RandomSampler；"
         "NumPy 单独运行时为 numpy.random.default_rng(seed)）。"),
        ("小批量的答案在 max_batch 已按 batch_size = 1 算好之后才设 batch_size = 2：max_batch 仍为 4，"
         "第 2、3 批是空的，除以 batch_X.shape[0] = 0 使权值变成 NaN。",
         "批次数按实际的 batch size 计算：ceil(N / batch_size)。"),
        ("`max_batch = N // batch_size` 会悄悄丢掉最后一个不满的批次（在原数据中尚未暴露：4 个样本、"
         "batch_size 为 3 时，第四个样本永远不会参与训练）。",
         "保留最后一个不满的批次，除非明确设置 drop_last = true。"),
        ("全程没有设置随机种子；它的“随机”小批量每个周期都以相同的顺序取相同的样本对。",
         "所有随机顺序都来自实验的随机种子，shuffle 每个周期重新生成一个排列；本报告写明所用的种子。"),
    ],
    "mistake": "原代码",
    "fix": "改正",
    "parity_h": "6. 证明：两种实现在每次更新后都一致",
    "parity_text": ("{runs} 次运行、{updates} 次更新，每次更新后都比较所有权值和偏置：任何地方的最大差异为 {dev}"
                    "（容差 {tol}）。下图按实验题给出每次更新后的最大差异（对数坐标）。"),
    "parity_zero": "有些更新之后两者完全一致：差异恰为 0，对数坐标无法表示，画在该图的下边缘。",
    "reproduce_h": "7. 复现本报告",
    "reproduce": "整份报告：`{command}`。上文每次运行都给出了各自的命令。",
    # figures
    "fig_epoch": "训练周期",
    "fig_loss": ("损失", "损失（对数坐标）"),   # (linear axis, log axis)
    "fig_update": "更新次数",
    "fig_dev": "最大 |numpy - torch|（对数坐标）",
    "fig_tol": "容差 atol {atol:g}",
    "fig_loss_title": "{name}：损失",
    "fig_parity_title": "{name}：每次更新后 numpy 与 torch 的差异",
    "fig_map_title": "{name}：训练后的网络在输入平面上的输出",
    "stop": "。",
    "fig_per_epoch": "按周期",
    "fig_per_update": "按更新次数",
    "cap_loss": "整个数据集上的损失，每 {every} 个周期记录一次，用线连起来。",
    "cap_loss_1": "整个数据集上的损失，每个周期之后记录一次，用线连起来。",
    "cap_loss_update": ("上图横轴为训练周期；下图是同样的运行，横轴为已做的更新次数"
                        "（随机梯度下降的一个周期包含多次更新）。"),
    "cap_loss_styles": "重合的曲线用不同的线型和标记区分（标记沿曲线间隔分布，并不是记录的数据点）。",
    "cap_map_range": "颜色覆盖的输出范围为 {low} 到 {high}。",
    "cap_map_narrow": "颜色只覆盖 {low} 到 {high}：输出几乎处处相同，颜色放大了这样微小的差别。",
    "cap_map_shared": "各子图使用同一个颜色刻度。",
    "cap_map_contours": "细线是等值线，标有输出值。",
    "cap_map_boundary_all": "粗线是输出等于 0.5 的位置，即决策边界。",
    "cap_map_boundary": "在{panels}中，粗线是输出等于 0.5 的位置，即决策边界。",
    "cap_map_above_all": "输出在整个正方形上都大于 0.5：没有决策边界，每一点都预测为 1。",
    "cap_map_above": "在{panels}中，输出处处大于 0.5：没有决策边界。",
    "cap_map_below_all": "输出在整个正方形上都小于 0.5：没有决策边界，每一点都预测为 0。",
    "cap_map_below": "在{panels}中，输出处处小于 0.5：没有决策边界。",
    "fig_first_updates": "每次更新之后，前 {epochs} 个周期",
    "fig_spread": "各种子的（最大 - 最小）/ 平均",
    "fig_band": "各种子的最低到最高",
    "fig_mean": "各种子的平均",
    "fig_one_seed": "唯一的种子",
    "cap_seeds_band": ("每种随机模式在随机种子 {seeds} 上的结果。上图：前 {epochs} 个周期中每一次更新之后的损失；色带从"
                       "最低的种子到最高的种子，线是各种子的平均。每个种子按各自的顺序取样本，损失随每一次更新而变化。"),
    "cap_seeds_below": "下图：整个训练过程中，各种子在每个周期结束时的差距相对于平均值的比例（对数坐标）：{trends}。",
    "spread_item": "{label}：第一个周期后为 {first}，最后一个周期后为 {last}（{trend}）",
    "spread_shrank": "变小了：各种子彼此靠近",
    "spread_grew": "变大了：不同的顺序让各种子彼此远离",
    "spread_same": "没有变化",
    "spread_zero": "所有种子的最终损失相同",
    "item_sep": "；",
    "panel_sep": "、",
    "cap_seeds_one": ("每种随机模式在随机种子 {seeds} 上的结果：前 {epochs} 个周期中每一次更新之后的损失。损失随每个"
                      "样本而变化；用更多的种子（--seeds K）可以看出不同的顺序让运行相差多远。"),
    "no_cjk_font": ("生成本报告的机器上没有中文字体，所以图中的文字是英文。安装一种中文字体（Debian / Ubuntu："
                    "sudo apt install fonts-noto-cjk；Fedora：sudo dnf install google-noto-sans-cjk-fonts；macOS 与 "
                    "Windows 自带苹方 / 微软雅黑）后重新生成，图中文字即为中文。"),
    "fig_seeds_title": "{variant}，{k} 个种子",
    "map_x": "学习成绩（输入 1）",
    "map_y": "实践得分（输入 2）",
    "map_colour": "网络输出",
    "map_boundary": "输出 = 0.5",
    "map_classes": ("真值 0（不录用）", "真值 1（录用）"),
    "map_class_output": "{output}真值 {value}",
    "map_colour_output": "网络输出：{output}",
    "map_outputs": ("工作能力", "工作态度"),
    "names": {"Zhang San": "张三", "Li Si": "李四", "Wang Wu": "王五", "Zhao Liu": "赵六"},
    "section_names": {"hiring": "示例", "exercise1": "实验题 1", "exercise2": "实验题 2",
                      "exercise3": "实验题 3"},
}
