// cuda_host.h — just enough of CUDA to compile the kernels of kernels/ unchanged on the host and run
// them on the CPU: each CUDA thread of a block is a fiber on one OS thread (x86-64 only), switched at
// every barrier, so __syncthreads and the warp-wide instructions (here and in the mma_ptx.cuh twin)
// see all their threads arrive before any leaves. Blocks run one after another, in launch order.
// Test scaffolding only (tests/cuda_emulator.py, tests/ops/test_mma_emulation.py).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include <math.h>

#define __device__
#define __global__
#define __forceinline__ inline
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)

struct Dim3 {
    unsigned x = 1, y = 1, z = 1;
};
typedef Dim3 dim3;

constexpr int MAX_THREADS = 256;  // the largest block any kernel of kernels/ runs
constexpr int MAX_WARPS = MAX_THREADS / 32;

inline Dim3 threadIdx, blockIdx, blockDim, gridDim;  // of the running fiber: set by the scheduler
inline Dim3 first_block{0, 0, 0};  // launch() runs the blocks from here on (a grid's tail: Emulator.tail)
inline int running = 0;     // the running fiber (the thread's linear index in its block)
inline int block_threads = MAX_THREADS;
inline long progress = 0;   // barriers completed and fibers finished: a round without any is a deadlock

[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "emulation: %s\n", what);
    std::exit(3);
}

// A minimal x86-64 (System V) context switch: push the callee-saved registers, swap stack pointers,
// pop. Tens of nanoseconds, where ucontext's swapcontext makes a system call per switch.
extern "C" void mt_switch(void** save_sp, void* load_sp);
asm(R"(
    .text
    .globl mt_switch
mt_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
)");

namespace fibers {

constexpr size_t STACK = 256 * 1024;
inline void* scheduler_sp;
inline void* sp[MAX_THREADS];
inline bool finished[MAX_THREADS];
inline std::vector<char> stacks(MAX_THREADS * STACK + 64);
inline std::function<void()> body;

inline void yield() { mt_switch(&sp[running], scheduler_sp); }

[[noreturn]] inline void start() {
    body();
    finished[running] = true;
    ++progress;
    for (;;) yield();  // never resumed
}

// A fresh fiber's stack: six zero registers for mt_switch to pop, then start() as its return
// address, entered with the stack 8 bytes off 16-byte alignment as after a call.
inline void prepare(int t) {
    auto top = (reinterpret_cast<std::uintptr_t>(stacks.data()) + (t + 1) * STACK) & ~std::uintptr_t(15);
    auto* frame = reinterpret_cast<void**>(top - 64);
    for (int i = 0; i < 6; ++i) frame[i] = nullptr;
    frame[6] = reinterpret_cast<void*>(&start);
    frame[7] = nullptr;
    sp[t] = frame;
    finished[t] = false;
}

}  // namespace fibers

// A barrier for `expected` fibers: each waits (yielding) until the last one has arrived.
struct Barrier {
    int expected = 0, arrived = 0;
    long phase = 0;
    void arrive_and_wait() {
        const long mine = phase;
        if (++arrived == expected) {
            arrived = 0;
            ++phase;
            ++progress;
            return;
        }
        while (phase == mine) fibers::yield();
    }
};

inline Barrier block_barrier;
inline Barrier warp_barriers[MAX_WARPS];

inline void __syncthreads() { block_barrier.arrive_and_wait(); }
inline void warp_sync() { warp_barriers[running / 32].arrive_and_wait(); }

// Warp shuffles: every lane deposits its value, then reads its partner's (full warps only).
template <typename T>
inline T __shfl_xor_sync(unsigned, T value, int lane_mask) {
    static T exchange[MAX_THREADS];
    exchange[running] = value;
    warp_sync();
    const T partner = exchange[(running / 32) * 32 + ((running % 32) ^ lane_mask)];
    warp_sync();
    return partner;
}

// Blocks run one at a time and fibers switch only at barriers: plain read-modify-writes are atomic.
inline int atomicAdd(int* address, int value) {
    const int old = *address;
    *address = old + value;
    return old;
}
inline unsigned atomicAdd(unsigned* address, unsigned value) {
    const unsigned old = *address;
    *address = old + value;
    return old;
}
inline void __threadfence() {}
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
template <typename T>
inline T __ldcg(const T* address) { return *address; }

struct float4 {
    float x, y, z, w;
};
struct double2 {
    double x, y;
};
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
inline double2 make_double2(double x, double y) { return double2{x, y}; }

// Round-to-nearest arithmetic: the host has no fused multiply-add unless asked (-ffp-contract=off).
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline float __double2float_rn(double x) { return (float)x; }

inline float __uint_as_float(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline unsigned __float_as_uint(float f) {
    unsigned u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline float __int_as_float(int i) {
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}
inline double __longlong_as_double(long long i) {
    double d;
    std::memcpy(&d, &i, 8);
    return d;
}
[[noreturn]] inline void __trap() { fail("__trap"); }

// The global arrays a kernel may read through cp.async: anything else is reported as an error.
inline std::vector<std::pair<const char*, const char*>> readable;

inline void check_readable(const void* p) {
    const char* byte = static_cast<const char*>(p);
    for (auto& [begin, end] : readable) {
        if (byte >= begin && byte < end) return;
    }
    fail("cp.async reads outside every input array");
}

// Run kernel() once per thread of every block of grid (from first_block on in each dimension), one
// block at a time, the threads of a block as fibers scheduled round-robin. Returns the blocks run.
template <typename Kernel>
long long launch(Dim3 grid, Dim3 block, Kernel kernel) {
    const int threads = (int)(block.x * block.y * block.z);
    if (threads < 1 || threads > MAX_THREADS || threads % 32) fail("block size must be a multiple of 32, at most 256");
    fibers::body = kernel;
    gridDim = grid;
    blockDim = block;
    block_threads = threads;
    block_barrier = Barrier{threads};
    for (int w = 0; w < threads / 32; ++w) warp_barriers[w] = Barrier{32};
    long long blocks = 0;
    for (unsigned z = first_block.z; z < grid.z; ++z) {
        for (unsigned y = first_block.y; y < grid.y; ++y) {
            for (unsigned x = first_block.x; x < grid.x; ++x) {
                blockIdx = Dim3{x, y, z};
                for (int t = 0; t < threads; ++t) fibers::prepare(t);
                for (int left = threads; left > 0;) {
                    const long before = progress;
                    left = 0;
                    for (int t = 0; t < threads; ++t) {
                        if (fibers::finished[t]) continue;
                        running = t;
                        threadIdx = Dim3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
                        mt_switch(&fibers::scheduler_sp, fibers::sp[t]);
                        left += !fibers::finished[t];
                    }
                    if (left > 0 && progress == before) fail("deadlock: threads wait at a barrier others never reach");
                }
                if (block_barrier.arrived) fail("a block ended with threads waiting at __syncthreads");
                ++blocks;
            }
        }
    }
    return blocks;
}

// The tensor-core harness's launches: 256-thread blocks.
template <typename Kernel>
long long launch(Dim3 grid, Kernel kernel) {
    return launch(grid, Dim3{(unsigned)MAX_THREADS, 1, 1}, kernel);
}
