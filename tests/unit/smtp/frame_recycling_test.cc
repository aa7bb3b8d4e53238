// frame_recycling_test.cc - the proxy's co_await chains reuse Asio's per-thread memory.
//
// Every call of a coroutine allocates its frame, and every co_await of an Asio operation
// one more, through Asio's recycling allocator: it keeps ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE
// freed blocks per thread (set for sluice_smtp and what links it, filter/smtp/CMakeLists.txt)
// and frees one of them whenever a frame does not fit. The proxy's chains are a few levels
// deep (Flush -> Write -> async_write, ReadLine -> Fill -> async_read_some) under frames too
// big to recycle (Data, ScoreAndRelay), and with Asio's default of 2 blocks most of those
// small frames went back to malloc on every command. The chain below has that shape.
#include <atomic>
#include <cstddef>
#include <cstdlib>

#include <gtest/gtest.h>

#include <asio.hpp>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SLUICE_COUNT_ALIGNED_ALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SLUICE_COUNT_ALIGNED_ALLOC 0
#endif
#endif
#ifndef SLUICE_COUNT_ALIGNED_ALLOC
#define SLUICE_COUNT_ALIGNED_ALLOC 1
#endif

namespace {
std::atomic<long> aligned_allocs{0};
}  // namespace

#if SLUICE_COUNT_ALIGNED_ALLOC
// Asio's recycling allocator gets new blocks from std::aligned_alloc (asio::aligned_new):
// count them here, and let glibc do the allocating. The sanitizers have their own
// aligned_alloc, so this test is skipped under them.
extern "C" void* __libc_memalign(size_t alignment, size_t size);
extern "C" void* aligned_alloc(size_t alignment, size_t size) {
  aligned_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, size);
}
#endif

namespace {

using asio::ip::tcp;

asio::awaitable<size_t> Fill(tcp::socket& socket, char* buffer) {
  asio::error_code ec;
  size_t n = co_await socket.async_read_some(asio::buffer(buffer, 64),
                                             asio::redirect_error(asio::use_awaitable, ec));
  co_return ec ? 0 : n;
}

asio::awaitable<size_t> ReadLine(tcp::socket& socket, char* buffer) {
  size_t n = co_await Fill(socket, buffer);
  co_return n;
}

asio::awaitable<bool> Write(tcp::socket& socket) {
  asio::error_code ec;
  constexpr std::string_view kLine = "250 ok\r\n";
  co_await asio::async_write(socket, asio::buffer(kLine),
                             asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<bool> Flush(tcp::socket& socket) {
  bool ok = co_await Write(socket);
  co_return ok;
}

// A frame too big for Asio to keep (like the proxy's Data and ScoreAndRelay).
asio::awaitable<size_t> Big(tcp::socket& out, tcp::socket& in) {
  char big[4096];
  bool ok = co_await Flush(out);
  size_t n = co_await ReadLine(in, big);
  co_return ok&& n > 0 ? static_cast<unsigned char>(big[0]) : 0;
}

asio::awaitable<void> Rounds(tcp::socket& out, tcp::socket& in, int rounds, size_t* read) {
  char buffer[64];
  for (int i = 0; i < rounds; ++i) {
    bool ok = co_await Flush(out);
    size_t n = co_await ReadLine(in, buffer);
    size_t m = co_await Big(out, in);
    *read += ok ? n + m : 0;
  }
}

TEST(FrameRecycling, SmallFramesOfACommandAreReusedNotAllocated) {
  if (!SLUICE_COUNT_ALIGNED_ALLOC) GTEST_SKIP() << "sanitizer build: aligned_alloc not counted";
  asio::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(io);
  tcp::socket server(io);
  client.connect(acceptor.local_endpoint());
  acceptor.accept(server);
  size_t read = 0;
  long before = 0;
  long during = 0;
  constexpr int kRounds = 1000;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await Rounds(client, server, 20, &read);  // warm-up: fills the per-thread cache
        before = aligned_allocs.load();
        co_await Rounds(client, server, kRounds, &read);
        during = aligned_allocs.load() - before;
      },
      asio::detached);
  io.run();
  ASSERT_GT(read, 0u);
  ASSERT_GT(during, 0) << "aligned_alloc was not counted (the big frame must allocate)";
  // Each round allocates the big frame, and the small frame it pushed out of the cache
  // (3 per round here); with Asio's default 2 blocks per thread it was 7 per round.
  EXPECT_LT(during, 5 * kRounds);
}

}  // namespace
