"""Recording the table's designed inputs with torch (this sub-room alone imports torch): the inputs
(`inputs`), torch's outputs and autograd gradients of each layer as the interface defines it (`reference`),
and what each classic mistake computes instead (`alternatives`), written to compare/layers/data/LAYER.npz by
`python -m compare.layers.record` (`--check`: record again in memory and compare with the shipped files)."""
