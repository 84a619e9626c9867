// bench/harness_gbench.cc - the one C++ file of the harness: it runs the C
// bodies registered through bench/harness.h under Google Benchmark and adds
// the counters every benchmark reports (see harness.h): time and bytes per
// element, peak RSS of the workload and minor page faults.
//
// Peak RSS: before each run of a body (the warm-up, every repetition) the
// kernel's high-water mark is reset by writing 5 to /proc/self/clear_refs,
// and after it VmHWM minus the RSS at the start is what the workload itself
// added.  The runner (bench/run.sh) also starts a fresh process per
// benchmark, so that neither the heap left behind by another workload nor
// another allocator's state can leak into a measurement.

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "harness.h"
#include "peer.h"

struct pvb_state {
  benchmark::State *st;
  size_t size;
  size_t elems;
  size_t elem_size;
  bool failed;
};

namespace {

// Registrations arrive from C constructors before main, in no particular
// order relative to C++ static initialisation: so the tables are plain
// arrays that need no constructor (zero-initialised before any code runs).
constexpr size_t kMaxBenches = 512;
constexpr size_t kNameMax = 128;
struct Reg {
  char name[kNameMax];
  pvb_fn fn;
  const void *ctx;
  const size_t *sizes;
  unsigned flags;
};
Reg g_regs[kMaxBenches];
size_t g_nregs;
bool g_reg_failed;

constexpr size_t kMaxContext = 32;
constexpr size_t kKeyMax = 64;
constexpr size_t kValueMax = 256;
struct Ctx {
  char key[kKeyMax];
  char value[kValueMax];
};
Ctx g_ctx[kMaxContext];
size_t g_nctx;

// Extra counters of the running body (pvb_counter), applied after it: a
// paired row has about ten per method (bench/bench_pair.c).
constexpr size_t kMaxExtra = 192;
constexpr size_t kExtraName = 48;
struct Extra {
  char name[kExtraName];
  double value;
  bool per_iteration;
};
Extra g_extra[kMaxExtra];
size_t g_nextra;

void copy_str(char *dst, size_t cap, const char *src) {
  std::snprintf(dst, cap, "%s", src != nullptr ? src : "");
}

// A "Key:   123 kB" line of /proc/self/status, in bytes; 0 if absent.
size_t status_bytes(const char *key) {
  FILE *f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  size_t klen = std::strlen(key), kb = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, key, klen) == 0 && line[klen] == ':') {
      kb = std::strtoull(line + klen + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  const size_t kib = 1024;
  return kb * kib;
}

// Resets VmHWM to the current RSS; false where the kernel cannot.
bool reset_peak_rss() {
  int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // 5: "reset the peak resident set size" (Documentation/filesystems/proc).
  bool ok = write(fd, "5", 1) == 1;
  close(fd);
  return ok;
}

std::string read_line(const char *path) {
  FILE *f = std::fopen(path, "r");
  if (f == nullptr) return "unavailable";
  char line[256] = "";
  if (std::fgets(line, sizeof line, f) == nullptr) line[0] = '\0';
  std::fclose(f);
  line[std::strcspn(line, "\n")] = '\0';
  return line;
}

bool g_can_reset_peak;

void run(benchmark::State &st, const Reg *r) {
  pvb_state s;
  s.st = &st;
  s.size = static_cast<size_t>(st.range(0));
  s.elems = 0;
  s.elem_size = 0;
  s.failed = false;
  g_nextra = 0;

  size_t rss0 = status_bytes("VmRSS");
  if (g_can_reset_peak) reset_peak_rss();
  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  r->fn(&s, r->ctx);
  getrusage(RUSAGE_SELF, &ru1);
  size_t hwm = status_bytes("VmHWM");
  if (s.failed) return;

  using benchmark::Counter;
  const double iters = static_cast<double>(st.iterations());
  if (s.elems > 0) {
    const double e = static_cast<double>(s.elems);
    st.SetItemsProcessed(static_cast<int64_t>(iters * e));
    st.SetBytesProcessed(
        static_cast<int64_t>(iters * e * static_cast<double>(s.elem_size)));
    // A rate counter is count / seconds; inverted it is seconds / count,
    // so a count of elements * 1e-9 reads as nanoseconds per element.
    const double ns_per_s = 1e9;
    st.counters["ns_per_elem"] =
        Counter(e / ns_per_s, Counter::kIsIterationInvariantRate | Counter::kInvert);
  }
  const double peak = hwm > rss0 ? static_cast<double>(hwm - rss0) : 0.0;
  st.counters["peak_rss"] = Counter(peak, Counter::kDefaults, Counter::OneK::kIs1024);
  const double data = static_cast<double>(s.elems) * static_cast<double>(s.elem_size);
  if (data > 0) st.counters["rss_ratio"] = Counter(peak / data);
  st.counters["minflt"] =
      Counter(static_cast<double>(ru1.ru_minflt - ru0.ru_minflt), Counter::kAvgIterations);
  for (size_t i = 0; i < g_nextra; i++)
    st.counters[g_extra[i].name] =
        Counter(g_extra[i].value,
                g_extra[i].per_iteration ? Counter::kAvgIterations : Counter::kDefaults);
}

}  // namespace

// ---- the C API -------------------------------------------------------------

extern "C" int pvb_register(const pvb_bench *b) {
  if (b == nullptr || b->name == nullptr || b->fn == nullptr || b->sizes == nullptr ||
      b->sizes[0] == 0 || std::strlen(b->name) >= kNameMax || g_nregs == kMaxBenches) {
    g_reg_failed = true;
    return -1;
  }
  Reg &r = g_regs[g_nregs++];
  copy_str(r.name, sizeof r.name, b->name);
  r.fn = b->fn;
  r.ctx = b->ctx;
  r.sizes = b->sizes;
  r.flags = b->flags;
  return 0;
}

extern "C" bool pvb_keep_running(pvb_state *s) { return s->st->KeepRunning(); }

extern "C" size_t pvb_size(const pvb_state *s) { return s->size; }

extern "C" void pvb_pause(pvb_state *s) { s->st->PauseTiming(); }

extern "C" void pvb_resume(pvb_state *s) { s->st->ResumeTiming(); }

extern "C" void pvb_set_work(pvb_state *s, size_t elems, size_t elem_size) {
  s->elems = elems;
  s->elem_size = elem_size;
}

extern "C" void pvb_counter(pvb_state *s, const char *name, double value,
                            bool per_iteration) {
  (void)s;
  if (g_nextra == kMaxExtra) return;
  copy_str(g_extra[g_nextra].name, kExtraName, name);
  g_extra[g_nextra].value = value;
  g_extra[g_nextra].per_iteration = per_iteration;
  g_nextra++;
}

extern "C" void pvb_fail(pvb_state *s, const char *msg) {
  if (!s->failed) s->st->SkipWithError(msg);
  s->failed = true;
}

extern "C" void pvb_context(const char *key, const char *value) {
  if (g_nctx == kMaxContext) return;
  copy_str(g_ctx[g_nctx].key, kKeyMax, key);
  copy_str(g_ctx[g_nctx].value, kValueMax, value);
  g_nctx++;
}

extern "C" void pvb_peak_reset(void) {
  if (g_can_reset_peak) reset_peak_rss();
}

extern "C" size_t pvb_peak_bytes(void) { return status_bytes("VmHWM"); }

extern "C" size_t pvb_page_size(void) {
  long ps = sysconf(_SC_PAGESIZE);
  return ps > 0 ? static_cast<size_t>(ps) : 0;
}

extern "C" size_t pvb_huge_page_size(void) {
  std::string s = read_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
  return static_cast<size_t>(std::strtoull(s.c_str(), nullptr, 10));
}

extern "C" size_t pvb_rss_bytes(void) {
  FILE *f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  int got = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return got == 2 ? static_cast<size_t>(resident) * pvb_page_size() : 0;
}

extern "C" uint64_t pvb_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  const uint64_t ns_per_s = 1000000000u;
  return static_cast<uint64_t>(ts.tv_sec) * ns_per_s + static_cast<uint64_t>(ts.tv_nsec);
}

extern "C" uint64_t pvb_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const uint64_t ns_per_s = 1000000000u;
  return static_cast<uint64_t>(ts.tv_sec) * ns_per_s + static_cast<uint64_t>(ts.tv_nsec);
}

// ---- main ----------------------------------------------------------------

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (g_reg_failed) {
    std::fprintf(stderr, "pv_bench: a benchmark registration failed (table full or incomplete)\n");
    return 1;
  }
  g_can_reset_peak = reset_peak_rss();

  benchmark::AddCustomContext("peak_rss_reset",
                              g_can_reset_peak ? "clear_refs" : "process lifetime");
  benchmark::AddCustomContext("page_size", std::to_string(pvb_page_size()));
  benchmark::AddCustomContext("huge_page_size", std::to_string(pvb_huge_page_size()));
  benchmark::AddCustomContext("thp_enabled",
                              read_line("/sys/kernel/mm/transparent_hugepage/enabled"));
  benchmark::AddCustomContext("thp_defrag",
                              read_line("/sys/kernel/mm/transparent_hugepage/defrag"));
  const char *tun = std::getenv("GLIBC_TUNABLES");
  benchmark::AddCustomContext("glibc_tunables", tun != nullptr ? tun : "");
  for (size_t i = 0; i < g_nctx; i++) benchmark::AddCustomContext(g_ctx[i].key, g_ctx[i].value);

  for (size_t i = 0; i < g_nregs; i++) {
    const Reg *r = &g_regs[i];
    benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
        r->name, [r](benchmark::State &st) { run(st, r); });
    for (const size_t *n = r->sizes; *n != 0; n++) b->Arg(static_cast<int64_t>(*n));
    b->Unit(benchmark::kMicrosecond);
    // The best repetition next to the median: on a shared machine
    // interference only ever adds time, so a gap between the two shows how
    // much of a median is noise.
    b->ComputeStatistics("min", [](const std::vector<double> &v) {
      return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
    });
    b->ComputeStatistics("max", [](const std::vector<double> &v) {
      return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
    });
    // Set on the benchmark, these win over the command line's flags (the
    // runner also passes no warm-up time for cold benchmarks).
    if (r->flags & PVB_COLD) b->Iterations(1)->Repetitions(1);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
