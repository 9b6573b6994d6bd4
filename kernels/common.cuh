// common.cuh — shared by every kernel file: integer types, the counter-based random bits, and the
// last-block handshake of the kernels that finish their own reductions.
//
// mt_random_bits(seed, counter, index) must equal minitransfer.counter_rng.random_bits bit for
// bit: hash32(key ^ index), key = hash32(hash32(seed ^ 0x9e3779b9) ^ counter), hash32 = lowbias32,
// all arithmetic on 32-bit unsigned integers. The host reduces seed and counter modulo 2^32.
#pragma once

typedef unsigned int mt_uint32;
typedef long long mt_int64;

__device__ __forceinline__ mt_uint32 mt_hash32(mt_uint32 x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

// The per-(seed, counter) key; computed on the host as counter_rng.stream_key and passed in.
__device__ __forceinline__ mt_uint32 mt_stream_key(mt_uint32 seed, mt_uint32 counter) {
    return mt_hash32(mt_hash32(seed ^ 0x9e3779b9U) ^ counter);
}

__device__ __forceinline__ mt_uint32 mt_random_bits(mt_uint32 key, mt_uint32 index) {
    return mt_hash32(key ^ index);
}

// For a grid whose blocks each store partial results and then call this (every thread): true, in
// the whole block, for the last of the `blocks` blocks counting in on `counter`, which may then read
// every block's results (with __ldcg: from L2, where the other blocks' stores are) and finish. The
// counter (int, zero before the launch) is zero again when this returns true, ready for the next
// launch. An integer atomic only decides who finishes: the results never depend on the order.
__device__ __forceinline__ bool last_to_arrive(int* counter, int blocks) {
    __shared__ int last;
    __threadfence();  // this thread's stores reach the device before its block counts in
    __syncthreads();
    if (threadIdx.x == 0) {
        last = atomicAdd(counter, 1) == blocks - 1;
        if (last) *counter = 0;
    }
    __syncthreads();
    if (last) __threadfence();
    return last;
}
