// bias_gradient.cuh — the bias gradients, one block's share each, so that the standalone kernels
// (conv2d_backward_bias, linear_backward_bias) and the extra blocks of the weight-gradient launches
// (conv2d_backward_filter, gemm's dW = dyᵀ·x) run the same code: the same order, the same bits.
//
//   conv_bias_gradient    db[k] = Σ_{n, pq} dy[n, k, pq]: one block of BIAS_THREADS threads per k;
//                         thread t sums the flat positions t + BIAS_THREADS·i, then a fixed
//                         shared-memory tree halves the partial sums.
//   linear_bias_gradient  db[col] = Σ_r dy[r, col] for the BIAS_COLUMNS columns of one block of
//                         BIAS_COLUMNS × BIAS_ROWS threads (tx, ty): each thread sums every
//                         BIAS_ROWS-th row of one column, then one thread adds the partial sums in order.
// Fixed order, no atomics: bit-reproducible.
#pragma once
#include "common.cuh"

constexpr int BIAS_THREADS = 256;  // a power of two (conv2d.py's THREADS)
constexpr int BIAS_COLUMNS = 32;   // columns per block (linear.py's BIAS_BLOCK)
constexpr int BIAS_ROWS = 8;       // threads down each column
static_assert(BIAS_COLUMNS * BIAS_ROWS == BIAS_THREADS, "one block size for both bias gradients");

template <typename T>
__device__ __forceinline__ void conv_bias_gradient(const T* __restrict__ dy, T* __restrict__ db, int N, int K, int PQ,
                                                   int k) {
    __shared__ T partial[BIAS_THREADS];
    T sum = T(0);
    for (int l = threadIdx.x; l < N * PQ; l += BIAS_THREADS) {
        const int n = l / PQ;
        sum += dy[(n * K + k) * PQ + (l - n * PQ)];
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int half = BIAS_THREADS / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) db[k] = partial[0];
}

template <typename T>
__device__ __forceinline__ void linear_bias_gradient(const T* __restrict__ dy, T* __restrict__ db, int rows, int cols,
                                                     int block, int tx, int ty) {
    __shared__ T partial[BIAS_ROWS][BIAS_COLUMNS + 1];
    const int col = block * BIAS_COLUMNS + tx;
    T sum = T(0);
    if (col < cols) {
        for (int r = ty; r < rows; r += BIAS_ROWS) sum += dy[(mt_int64)r * cols + col];
    }
    partial[ty][tx] = sum;
    __syncthreads();
    if (ty == 0 && col < cols) {
        T total = T(0);
#pragma unroll
        for (int y = 0; y < BIAS_ROWS; ++y) total += partial[y][tx];
        db[col] = total;
    }
}
