// codecs_bench.cc - micro-benchmarks of the MIME codecs: transfer decoders, charset
// conversion and header decoding, each next to a baseline measured in the same run
// (memcpy of the same bytes, OpenSSL's base64 decoder, a bare iconv() call), so that the
// ratios survive a noisy shared machine. Inputs are synthetic but shaped like mail: 76
// column base64 lines, mostly-ASCII quoted-printable, and real-language text samples.
#include <benchmark/benchmark.h>
#include <iconv.h>
#include <openssl/evp.h>

#include <cstring>
#include <string>

#include "filter/mime/charset.h"
#include "filter/mime/header_decode.h"
#include "filter/mime/transfer_decode.h"

namespace {

using sluice::mime::AppendUtf8;

constexpr size_t kPayload = 1 << 20;  // decoded bytes per iteration, roughly

std::string Pseudorandom(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

// Base64 with CRLF every 76 characters, as mailers write it.
std::string EncodeBase64Lines(const std::string& raw) {
  std::string flat(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(flat.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  flat.resize(static_cast<size_t>(n));
  std::string out;
  for (size_t i = 0; i < flat.size(); i += 76) out += flat.substr(i, 76) + "\r\n";
  return out;
}

const std::string& Base64Input() {
  static const std::string s = EncodeBase64Lines(Pseudorandom(kPayload));
  return s;
}

void BM_Base64_Sluice(benchmark::State& state) {
  const std::string& in = Base64Input();
  std::string out;
  for (auto _ : state) {
    out.clear();
    sluice::mime::DecodeBase64(in, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_Base64_Sluice);

// OpenSSL's streaming decoder (skips the line breaks too): a well-known peer.
void BM_Base64_OpenSSL(benchmark::State& state) {
  const std::string& in = Base64Input();
  std::string out(in.size(), '\0');
  EVP_ENCODE_CTX* ctx = EVP_ENCODE_CTX_new();
  for (auto _ : state) {
    int len = 0, tail = 0;
    EVP_DecodeInit(ctx);
    EVP_DecodeUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                     reinterpret_cast<const unsigned char*>(in.data()),
                     static_cast<int>(in.size()));
    EVP_DecodeFinal(ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &tail);
    benchmark::DoNotOptimize(out.data());
  }
  EVP_ENCODE_CTX_free(ctx);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_Base64_OpenSSL);

void BM_Memcpy_Baseline(benchmark::State& state) {
  const std::string& in = Base64Input();
  std::string out;
  for (auto _ : state) {
    out.assign(in);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_Memcpy_Baseline);

// Quoted-printable the way it looks in mail: mostly ASCII prose with a few escapes per
// line and soft breaks at 76 columns.
const std::string& QpInput() {
  static const std::string s = [] {
    std::string line =
        "Dear customer, your account statement for caf=C3=A9 purchases is ready. Cli=\r\n"
        "ck here to review it and confirm the =E2=82=AC amount before Friday.   \r\n";
    std::string out;
    while (out.size() < kPayload) out += line;
    return out;
  }();
  return s;
}

void BM_QuotedPrintable_Sluice(benchmark::State& state) {
  const std::string& in = QpInput();
  std::string out;
  for (auto _ : state) {
    out.clear();
    sluice::mime::DecodeQuotedPrintable(in, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_QuotedPrintable_Sluice);

std::string Repeat(std::string_view unit) {
  std::string out;
  while (out.size() < kPayload) out += unit;
  return out;
}

// Charset conversion: label, text sample (UTF-8), encoded once with iconv for the input.
std::string Encode(const char* iconv_name, const std::string& utf8) {
  iconv_t cd = iconv_open(iconv_name, "UTF-8");
  std::string out(utf8.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t inleft = utf8.size();
  char* o = out.data();
  size_t oleft = out.size();
  iconv(cd, &in, &inleft, &o, &oleft);
  out.resize(out.size() - oleft);
  iconv_close(cd);
  return out;
}

const std::string kEnglish =
    "The quarterly report is attached; please review the figures before the meeting. ";
const std::string kFrench = "Le rapport trimestriel est joint à ce message, réunion à été prévue. ";
const std::string kRussian = "Квартальный отчёт приложен к письму, просьба ознакомиться заранее. ";
const std::string kChinese = "季度报告已附在邮件中，请在会议前查看相关数据。";

void RunConvert(benchmark::State& state, const char* label, const std::string& in) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendUtf8(label, in, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}

void BM_Charset_UsAscii(benchmark::State& state) {
  static const std::string in = Repeat(kEnglish);
  RunConvert(state, "us-ascii", in);
}
BENCHMARK(BM_Charset_UsAscii);

void BM_Charset_Utf8_French(benchmark::State& state) {
  static const std::string in = Repeat(kFrench);
  RunConvert(state, "utf-8", in);
}
BENCHMARK(BM_Charset_Utf8_French);

void BM_Charset_Latin1Table_French(benchmark::State& state) {
  static const std::string in = Encode("ISO-8859-1", Repeat(kFrench));
  RunConvert(state, "iso-8859-1", in);
}
BENCHMARK(BM_Charset_Latin1Table_French);

void BM_Charset_ProbedTable_Latin9_French(benchmark::State& state) {
  // iso-8859-15 has no hand-written table: its table is probed from iconv on first use.
  static const std::string in = Encode("ISO-8859-15", Repeat(kFrench));
  RunConvert(state, "iso-8859-15", in);
}
BENCHMARK(BM_Charset_ProbedTable_Latin9_French);

void BM_Charset_Koi8r_Russian(benchmark::State& state) {
  static const std::string in = Encode("KOI8-R", Repeat(kRussian));
  RunConvert(state, "koi8-r", in);
}
BENCHMARK(BM_Charset_Koi8r_Russian);

void BM_Charset_Gb2312_Chinese(benchmark::State& state) {
  static const std::string in = Encode("GB2312", Repeat(kChinese));
  RunConvert(state, "gb2312", in);
}
BENCHMARK(BM_Charset_Gb2312_Chinese);

void BM_Charset_Windows1251_AsciiOnly(benchmark::State& state) {
  // Declared charset, ASCII content: the common case the ASCII fast path is for.
  static const std::string in = Repeat(kEnglish);
  RunConvert(state, "windows-1251", in);
}
BENCHMARK(BM_Charset_Windows1251_AsciiOnly);

// A bare iconv() over the same KOI8-R bytes with a preallocated buffer: the floor for
// any iconv-based conversion.
void BM_RawIconv_Koi8r_Russian(benchmark::State& state) {
  static const std::string in = Encode("KOI8-R", Repeat(kRussian));
  iconv_t cd = iconv_open("UTF-8", "KOI8-R");
  std::string out(in.size() * 3, '\0');
  for (auto _ : state) {
    char* ip = const_cast<char*>(in.data());
    size_t il = in.size();
    char* op = out.data();
    size_t ol = out.size();
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    iconv(cd, &ip, &il, &op, &ol);
    benchmark::DoNotOptimize(out.data());
  }
  iconv_close(cd);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_RawIconv_Koi8r_Russian);

void BM_HeaderText_EncodedWords(benchmark::State& state) {
  const std::string subject =
      "Re: =?UTF-8?B?0JrQstCw0YDRgtCw0LvRjNC90YvQuSDQvtGC0YfRkdGC?= =?UTF-8?Q?_=E2=80=94_"
      "caf=C3=A9?= and plain text";
  std::string out;
  for (auto _ : state) {
    out.clear();
    sluice::mime::DecodeHeaderText(subject, "", &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * subject.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HeaderText_EncodedWords);

void BM_HeaderText_PlainAscii(benchmark::State& state) {
  const std::string subject = "Your invoice for November is ready to download from the portal";
  std::string out;
  for (auto _ : state) {
    out.clear();
    sluice::mime::DecodeHeaderText(subject, "", &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * subject.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HeaderText_PlainAscii);

void BM_HeaderParams_ContentType(benchmark::State& state) {
  const std::string value =
      "multipart/mixed; boundary=\"----=_Part_1234_567890.1700000000000\"; charset=utf-8";
  sluice::mime::HeaderParams p;
  for (auto _ : state) {
    sluice::mime::ParseHeaderParams(value, &p);
    benchmark::DoNotOptimize(p.params.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HeaderParams_ContentType);

void BM_HeaderParams_Rfc2231(benchmark::State& state) {
  const std::string value =
      "attachment; filename*0*=utf-8''%D0%9E%D1%82%D1%87%D1%91%D1%82; "
      "filename*1*=%20%D0%B7%D0%B0%20%D0%BD%D0%BE%D1%8F%D0%B1%D1%80%D1%8C; filename*2=\".pdf\"";
  sluice::mime::HeaderParams p;
  for (auto _ : state) {
    sluice::mime::ParseHeaderParams(value, &p);
    benchmark::DoNotOptimize(p.params.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HeaderParams_Rfc2231);

}  // namespace

BENCHMARK_MAIN();
