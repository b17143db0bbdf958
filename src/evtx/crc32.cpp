// CRC-32 (IEEE, reflected) for chunk checksums. Every chunk's record area is checksummed, which
// with zlib's table method costs about a fifth of decoding time; on x86 with PCLMULQDQ the data
// is folded 64 bytes at a time with carry-less multiplies (Gopal et al., "Fast CRC Computation for
// Generic Polynomials Using PCLMULQDQ", Intel 2009), then Barrett-reduced. Other CPUs use zlib.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <span>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TANSA_CRC_CLMUL 1
#endif

namespace tansa::evtx {

namespace {

std::uint32_t crc32_zlib(const std::uint8_t* p, std::size_t n, std::uint32_t crc) {
  while (n > 0) {
    const auto step = static_cast<uInt>(n > (1u << 30) ? (1u << 30) : n);
    crc = static_cast<std::uint32_t>(::crc32(crc, p, step));
    p += step;
    n -= step;
  }
  return crc;
}

#ifdef TANSA_CRC_CLMUL
#define TANSA_CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

TANSA_CLMUL_TARGET inline __m128i load(const std::uint8_t* q) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
}

// a * x^distance folded onto b: a's low half times k.low, its high half times k.high.
TANSA_CLMUL_TARGET inline __m128i fold(__m128i a, __m128i k, __m128i b) {
  return _mm_xor_si128(
      _mm_xor_si128(_mm_clmulepi64_si128(a, k, 0x00), _mm_clmulepi64_si128(a, k, 0x11)), b);
}

// Constants for the reflected polynomial 0x04C11DB7: x^(k) mod P for the fold distances
// (512+64/512, 128+64/128 bits), the 64->32 step, and the Barrett pair (P, floor(x^64 / P)).
TANSA_CLMUL_TARGET std::uint32_t crc32_clmul(const std::uint8_t* p, std::size_t n,
                                             std::uint32_t crc) {
  const __m128i fold512 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
  const __m128i fold128 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
  const __m128i fold64 = _mm_set_epi64x(0, 0x0163cd6124);
  const __m128i barrett = _mm_set_epi64x(0x01f7011641, 0x01db710641);
  const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);

  __m128i a = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(~crc)));
  __m128i b = load(p + 16), c = load(p + 32), d = load(p + 48);
  p += 64;
  n -= 64;
  for (; n >= 64; p += 64, n -= 64) {
    a = fold(a, fold512, load(p));
    b = fold(b, fold512, load(p + 16));
    c = fold(c, fold512, load(p + 32));
    d = fold(d, fold512, load(p + 48));
  }
  a = fold(a, fold128, b);
  a = fold(a, fold128, c);
  a = fold(a, fold128, d);
  for (; n >= 16; p += 16, n -= 16) a = fold(a, fold128, load(p));

  // 128 -> 64 bits.
  __m128i t = _mm_clmulepi64_si128(a, fold128, 0x10);
  a = _mm_xor_si128(_mm_srli_si128(a, 8), t);
  // 64 -> 32 bits.
  t = _mm_srli_si128(a, 4);
  a = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(a, low32), fold64, 0x00), t);
  // Barrett reduction.
  t = _mm_clmulepi64_si128(_mm_and_si128(a, low32), barrett, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), barrett, 0x00);
  a = _mm_xor_si128(a, t);
  const auto folded = ~static_cast<std::uint32_t>(_mm_extract_epi32(a, 1));
  return crc32_zlib(p, n, folded);
}

const bool kHaveClmul = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}();
#endif

}  // namespace

std::uint32_t crc32(std::span<const std::uint8_t> bytes, std::uint32_t seed) {
#ifdef TANSA_CRC_CLMUL
  if (kHaveClmul && bytes.size() >= 64) return crc32_clmul(bytes.data(), bytes.size(), seed);
#endif
  return crc32_zlib(bytes.data(), bytes.size(), seed);
}

}  // namespace tansa::evtx
