// linear.cu — the bias gradient of a fully connected layer (its three products run on gemm.cu).
//
//   linear_backward_bias:  db[n] = Σ_m dy[m, n]
//
// Layouts: dy (rows, cols) row-major, C-contiguous; db (cols,).
// Reference: minitransfer/ops/linear.py (_backward_reference: dy.sum(axis=0)).
//
// Kernels (entry points <name>_f32 and <name>_f64):
//   linear_backward_bias(dy, db, rows, cols)
//       block 32×8, grid ⌈cols / 32⌉: each thread sums every 8th row of one column, then one
//       thread adds the 8 partial sums in order (bias_gradient.cuh). Fixed order, no atomics:
//       bit-reproducible. gemm.cu's weight-gradient kernels run the same code in extra blocks.
#include "common.cuh"
#include "bias_gradient.cuh"

extern "C" __global__ void __launch_bounds__(BIAS_COLUMNS * BIAS_ROWS)
linear_backward_bias_f32(const float* dy, float* db, int rows, int cols) {
    linear_bias_gradient<float>(dy, db, rows, cols, blockIdx.x, threadIdx.x, threadIdx.y);
}
extern "C" __global__ void __launch_bounds__(BIAS_COLUMNS * BIAS_ROWS)
linear_backward_bias_f64(const double* dy, double* db, int rows, int cols) {
    linear_bias_gradient<double>(dy, db, rows, cols, blockIdx.x, threadIdx.x, threadIdx.y);
}
