// cuda_host.h — just enough of CUDA to compile the tensor-core problems and core of kernels/ on the
// host: each CUDA thread of a block is a fiber on one OS thread (x86-64 only), switched at every
// barrier, so __syncthreads and the warp-wide instructions emulated in mma_ptx.cuh see all their
// threads arrive before any leaves. Test scaffolding only (tests/ops/test_mma_emulation.py).
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

struct Dim3 {
    unsigned x = 0, y = 0, z = 0;
};

constexpr int BLOCK_THREADS = 256;
constexpr int WARPS = BLOCK_THREADS / 32;

inline Dim3 threadIdx, blockIdx;  // of the running fiber: set by the scheduler at each switch
inline int running = 0;           // the running fiber (= threadIdx.x)
inline long progress = 0;         // barriers completed and fibers finished: a round without any is a deadlock

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
inline void* sp[BLOCK_THREADS];
inline bool finished[BLOCK_THREADS];
inline std::vector<char> stacks(BLOCK_THREADS * STACK + 64);
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
    int expected, arrived = 0;
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

inline Barrier block_barrier{BLOCK_THREADS};
inline Barrier warp_barriers[WARPS] = {{32}, {32}, {32}, {32}, {32}, {32}, {32}, {32}};

inline void __syncthreads() { block_barrier.arrive_and_wait(); }
inline void warp_sync() { warp_barriers[threadIdx.x / 32].arrive_and_wait(); }

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
[[noreturn]] inline void __trap() { fail("__trap"); }

// The global arrays a kernel may read: cp.async from anywhere else is reported as an error.
inline std::vector<std::pair<const float*, const float*>> readable;

inline void check_readable(const float* p) {
    for (auto& [begin, end] : readable) {
        if (p >= begin && p < end) return;
    }
    fail("cp.async reads outside every input array");
}

// Run kernel() once per thread of every block of grid, one block at a time, the threads of a block
// as fibers scheduled round-robin.
template <typename Kernel>
void launch(Dim3 grid, Kernel kernel) {
    fibers::body = kernel;
    for (unsigned z = 0; z < grid.z; ++z) {
        for (unsigned y = 0; y < grid.y; ++y) {
            for (unsigned x = 0; x < grid.x; ++x) {
                blockIdx = Dim3{x, y, z};
                for (int t = 0; t < BLOCK_THREADS; ++t) fibers::prepare(t);
                for (int left = BLOCK_THREADS; left > 0;) {
                    const long before = progress;
                    left = 0;
                    for (int t = 0; t < BLOCK_THREADS; ++t) {
                        if (fibers::finished[t]) continue;
                        running = t;
                        threadIdx = Dim3{(unsigned)t, 0, 0};
                        mt_switch(&fibers::scheduler_sp, fibers::sp[t]);
                        left += !fibers::finished[t];
                    }
                    if (left > 0 && progress == before) fail("deadlock: threads wait at a barrier others never reach");
                }
                if (block_barrier.arrived) fail("a block ended with threads waiting at __syncthreads");
            }
        }
    }
}
