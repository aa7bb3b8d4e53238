// buffer_pool_test.cc - the per-thread string pool: reuse, bounds.
#include "filter/smtp/buffer_pool.h"

#include <gtest/gtest.h>

namespace sluice::smtp {
namespace {

TEST(BufferPool, GivesBackWhatWasKeptAsItWas) {
  BufferPool pool(2, 1024);
  EXPECT_TRUE(pool.Take().empty());  // nothing kept yet
  std::string read_buffer(512, 'x');
  const char* storage = read_buffer.data();
  pool.GiveBack(std::move(read_buffer));
  std::string again = pool.Take();
  EXPECT_EQ(again.data(), storage);  // the same allocation
  EXPECT_EQ(again.size(), 512u);     // size kept: a read buffer is not zero-filled again
  EXPECT_EQ(pool.size(), 0u);
}

TEST(BufferPool, KeepsAtMostMaxCountBuffersOfAtMostMaxBytes) {
  BufferPool pool(2, 1024);
  pool.GiveBack(std::string(2048, 'x'));  // too big: freed
  EXPECT_EQ(pool.size(), 0u);
  for (int i = 0; i < 5; ++i) pool.GiveBack(std::string(100, 'y'));
  EXPECT_EQ(pool.size(), 2u);
  pool.Take();
  pool.Take();
  EXPECT_TRUE(pool.Take().empty());
}

}  // namespace
}  // namespace sluice::smtp
