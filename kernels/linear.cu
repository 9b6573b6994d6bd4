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
//       thread adds the 8 partial sums in order. Fixed order, no atomics: bit-reproducible.
#include "common.cuh"

constexpr int BIAS_COLUMNS = 32;  // columns per block (threadIdx.x); BIAS_BLOCK in linear.py
constexpr int BIAS_ROWS = 8;      // threads down each column (threadIdx.y)

template <typename T>
__device__ __forceinline__ void linear_backward_bias(const T* __restrict__ dy, T* __restrict__ db, int rows,
                                                     int cols) {
    __shared__ T partial[BIAS_ROWS][BIAS_COLUMNS + 1];
    const int col = blockIdx.x * BIAS_COLUMNS + threadIdx.x;
    T sum = T(0);
    if (col < cols) {
        for (int r = threadIdx.y; r < rows; r += BIAS_ROWS) sum += dy[(mt_int64)r * cols + col];
    }
    partial[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.y == 0 && col < cols) {
        T total = T(0);
#pragma unroll
        for (int y = 0; y < BIAS_ROWS; ++y) total += partial[y][threadIdx.x];
        db[col] = total;
    }
}

extern "C" __global__ void __launch_bounds__(BIAS_COLUMNS * BIAS_ROWS)
linear_backward_bias_f32(const float* dy, float* db, int rows, int cols) {
    linear_backward_bias<float>(dy, db, rows, cols);
}
extern "C" __global__ void __launch_bounds__(BIAS_COLUMNS * BIAS_ROWS)
linear_backward_bias_f64(const double* dy, double* db, int rows, int cols) {
    linear_backward_bias<double>(dy, db, rows, cols);
}
