// log_bench.cc - what one score-log line costs the whole process (the writer thread's
// wake-ups, formatting and write(2) included): ScoreLog::Write from 1 and 4 threads,
// process CPU time per line. Flooded, the queue never empties and lines batch by
// themselves; paced (a line every 200 us, a daemon at ~5,000 messages/s), every line used to
// find the writer idle and pay a wake-up, a context switch and a write(2) of its own. The
// paced figure includes the sleep call itself, the same in any build. BM_FormatLogRecord:
// the line formatting alone.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "filter/log/score_log.h"

namespace {

sluice::LogRecord TypicalRecord() {
  sluice::LogRecord r;
  r.time = std::chrono::system_clock::now();
  r.source = "smtp";
  r.envelope.queue_id = "4Xk2Lm0Qz1";
  r.envelope.client_ip = "127.0.0.1";
  r.envelope.client_name = "localhost";
  r.envelope.helo = "client.example.org";
  r.envelope.mail_from = "sender@example.org";
  r.envelope.rcpts = {"rcpt@example.net"};
  r.facts.message_id = "<20261129.1234@example.org>";
  r.facts.from = "Sender <sender@example.org>";
  r.facts.subject = "Quarterly figures for review";
  r.facts.size = 2048;
  r.verdict.score = 1.2;
  for (const char* id : {"HTML_MESSAGE", "MISSING_MID", "FREE_WORD", "MONEY_AMOUNT"}) {
    sluice::RuleHit hit;
    hit.id = id;
    hit.score = 0.5;
    hit.target = "body";
    r.verdict.hits.push_back(hit);
  }
  r.verdict.bayes.available = true;
  r.verdict.bayes.probability = 0.2;
  return r;
}

// One line formatted into a reused buffer, as the writer thread does it.
void BM_FormatLogRecord(benchmark::State& state) {
  const sluice::LogRecord record = TypicalRecord();
  std::string text;
  for (auto _ : state) {
    text.clear();
    sluice::AppendLogRecord(record, &text);
    benchmark::DoNotOptimize(text.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FormatLogRecord);

sluice::ScoreLog* shared_log = nullptr;

void BM_ScoreLogWrite(benchmark::State& state, int pace_us) {
  if (state.thread_index() == 0) {
    const std::string path = "/tmp/sluice-log-bench." + std::to_string(getpid());
    std::remove(path.c_str());
    auto log = sluice::ScoreLog::Open(path);
    if (!log.ok()) {
      state.SkipWithError("cannot open the log");
      return;
    }
    shared_log = log.value().release();
  }
  const sluice::LogRecord record = TypicalRecord();
  for (auto _ : state) {
    shared_log->Write(record);
    if (pace_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(pace_us));
  }
  if (state.thread_index() == 0) {
    shared_log->Flush();
    delete shared_log;
    shared_log = nullptr;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_ScoreLogWrite, flooded, 0)
    ->Threads(1)
    ->Threads(4)
    ->MeasureProcessCPUTime()
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_ScoreLogWrite, paced_200us, 200)
    ->Threads(1)
    ->MeasureProcessCPUTime()
    ->UseRealTime();
// The milter's pace through Postfix on 2 cores (~300 messages/s).
BENCHMARK_CAPTURE(BM_ScoreLogWrite, paced_3ms, 3000)
    ->Threads(1)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
