"""你的反向传播：填写公式，然后在每一次更新之后与 torch 对照检查：

    python -m compare check backprop_template.py            # 检查套件（约一秒）
    python -m compare check backprop_template.py exercise3 --mode all     # 只运行一个实验，边训练边对照

（在存放本文件的文件夹中运行。练习页旁的这份文件名为 backprop_template.py；
在项目仓库中它是 examples/backprop_template_zh.py，命令里的文件名要相应替换。）

检查套件的结论会说明它覆盖了哪些 batch size、输出个数、层数、激活函数和损失，以及哪些没有覆盖
（本模板不接受 `loss` 或激活函数的关键字参数：只有 sigmoid 和损失 "sum"）。

布局（与示例代码相同）：权值 W[l] 的形状是 (输入数, 输出数)，每一层计算 Z = A_prev @ W + b，
偏置 b 的形状是 (1, 输出数)。一批含 B 个样本，每行一个样本。与课文一样，每一层都用 sigmoid 激活。

在填写 `backward` 之前，`check` 以退出状态 2 结束，并给出一行 "not implemented" 的提示。
"""

import numpy as np  # noqa: F401  (你会用到它)


def backward(weights, biases, activations, targets):
    """每一层的 dL/dW[l] 和 dL/db[l]（损失 L 对权值、偏置的偏导），损失为
        L = (1/B) 对样本求和 [ 对输出求和 (t - a)^2 / 2 ]      （loss = "sum"，即示例代码的损失）

    weights[l]:  (n_l, n_{l+1})          biases[l]: (1, n_{l+1})
    activations: [X, A1, ..., AL]        activations[l] 是第 l 层的输入（activations[0] = X）
    targets:     (B, n_L)                每个样本的真值（标签）
    返回 (dW, db)：两个列表，第 1 层在前，每个数组的形状与它的 W 或 b 相同。
    """
    B = targets.shape[0]                      # 这一批的样本数
    A_L = activations[-1]                     # 网络的输出，(B, n_L)
    dW = [None] * len(weights)
    db = [None] * len(weights)

    # 1. 输出层的误差项 delta：每个样本 i 的 dL_i/dZ_L，形状 (B, n_L)。
    #    dL_i/dA_L = ?   再乘以 sigmoid 的导数，用它的输出 A_L 表示：dA/dZ = ?
    delta = None  # TODO: 由 A_L 和 targets 求出

    for l in reversed(range(len(weights))):   # 从输出层开始：链式法则是反向进行的
        A_prev = activations[l]               # (B, n_l)，这一层的输入
        # 2. 这一层的梯度（偏导），对这一批样本求平均（只除一次 B）：
        dW[l] = None  # TODO: (n_l, n_{l+1})，由 A_prev 和 delta 求出
        db[l] = None  # TODO: (1, n_{l+1})，由 delta 求出：这一批的每一行都要算上
        if l > 0:
            # 3. 向下传一层的误差项 delta，(B, n_l)：先反向穿过 weights[l]（哪个方向？），
            #    再乘以 sigmoid 在这一层输入 A_prev 处的导数。
            delta = None  # TODO

    if delta is None or any(g is None for g in dW + db):
        raise NotImplementedError("请填写 delta、dW[l]、db[l] 和向下传一层的 delta（那几行 TODO）")
    del B, A_L, A_prev   # （你的公式会用到它们）
    return dW, db
