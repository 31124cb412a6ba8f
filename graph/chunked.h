#pragma once
// Copy-on-write building blocks shared between the lineage writer and the
// snapshots it publishes (see graph/README.md, "Publication").
//
// ChunkedArray<T>: an array stored as fixed-size chunks held by shared_ptr. The
// writer mutates through Mutable(), which copies a chunk first when a published
// snapshot still shares it; Freeze() hands out an immutable view that shares
// every chunk, so publishing costs one pointer copy per chunk, and a batch that
// touches k chunks copies k chunks.
//
// StringArena: append-only storage for node ids. Strings never move once
// written; a frozen view sees the strings appended before it was taken.
//
// Thread-safety: one writer owns the mutable object; frozen views are
// immutable and may be read from any number of threads while the writer goes
// on mutating its own copy.

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace tributary::graph {

template <typename T, unsigned kChunkBits>
class FrozenArray {
 public:
  static constexpr std::size_t kChunkSize = std::size_t{1} << kChunkBits;
  using Chunk = std::vector<T>;  // size kChunkSize once allocated

  FrozenArray() = default;
  FrozenArray(std::vector<std::shared_ptr<const Chunk>> chunks, std::size_t size)
      : chunks_(std::move(chunks)), size_(size) {
    data_.reserve(chunks_.size());
    for (const auto& c : chunks_) {
      data_.push_back(c->data());
    }
  }

  std::size_t size() const { return size_; }
  // REQUIRES: i < size()
  const T& operator[](std::size_t i) const { return data_[i >> kChunkBits][i & (kChunkSize - 1)]; }

 private:
  std::vector<std::shared_ptr<const Chunk>> chunks_;  // ownership
  std::vector<const T*> data_;                        // one load less per access
  std::size_t size_ = 0;
};

template <typename T, unsigned kChunkBits>
class ChunkedArray {
 public:
  static constexpr std::size_t kChunkSize = std::size_t{1} << kChunkBits;
  using Chunk = std::vector<T>;
  using Frozen = FrozenArray<T, kChunkBits>;

  std::size_t size() const { return size_; }
  // REQUIRES: i < size()
  const T& operator[](std::size_t i) const {
    return (*chunks_[i >> kChunkBits])[i & (kChunkSize - 1)];
  }

  // A writable element; copies its chunk first if a frozen view shares it.
  T& Mutable(std::size_t i) {
    assert(i < size_);
    return (*Own(i >> kChunkBits))[i & (kChunkSize - 1)];
  }

  std::size_t PushBack(T value) {
    const std::size_t i = size_;
    if ((i >> kChunkBits) == chunks_.size()) {
      chunks_.push_back(std::make_shared<Chunk>(kChunkSize));
    }
    ++size_;
    Mutable(i) = std::move(value);
    return i;
  }

  void Clear() {
    chunks_.clear();
    size_ = 0;
  }

  // REQUIRES: size() == 0. Makes the array `n` copies of `value`.
  void Resize(std::size_t n, const T& value) {
    assert(size_ == 0);
    chunks_.clear();
    for (std::size_t c = 0; c * kChunkSize < n; ++c) {
      chunks_.push_back(std::make_shared<Chunk>(kChunkSize, value));
    }
    size_ = n;
  }

  Frozen Freeze() const {
    return Frozen(std::vector<std::shared_ptr<const Chunk>>(chunks_.begin(), chunks_.end()), size_);
  }

  // Bytes held by the chunks (shared or not), for statistics.
  std::size_t capacity_bytes() const { return chunks_.size() * kChunkSize * sizeof(T); }

 private:
  Chunk* Own(std::size_t c) {
    auto& chunk = chunks_[c];
    if (chunk.use_count() > 1) {
      chunk = std::make_shared<Chunk>(*chunk);
    } else {
      // The only other owners were snapshots that released the chunk; their
      // reads happened before the release of their reference count.
      std::atomic_thread_fence(std::memory_order_acquire);
    }
    return chunk.get();
  }

  std::vector<std::shared_ptr<Chunk>> chunks_;
  std::size_t size_ = 0;
};

// A reference to a string in a StringArena: chunk, offset and length.
struct ArenaRef {
  std::uint32_t chunk = 0;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
};

class FrozenArena {
 public:
  FrozenArena() = default;
  explicit FrozenArena(std::vector<std::shared_ptr<const std::vector<char>>> chunks)
      : chunks_(std::move(chunks)) {
    data_.reserve(chunks_.size());
    for (const auto& c : chunks_) {
      data_.push_back(c->data());
    }
  }
  std::string_view Get(ArenaRef ref) const {
    return std::string_view(data_[ref.chunk] + ref.offset, ref.length);
  }

 private:
  std::vector<std::shared_ptr<const std::vector<char>>> chunks_;  // ownership
  std::vector<const char*> data_;                                 // one load less per access
};

class StringArena {
 public:
  static constexpr std::size_t kChunkBytes = std::size_t{1} << 20;

  ArenaRef Append(std::string_view s) {
    if (chunks_.empty() || used_ + s.size() > chunks_.back()->size()) {
      auto chunk = std::make_shared<std::vector<char>>(std::max(kChunkBytes, s.size()));
      chunks_.push_back(std::move(chunk));
      used_ = 0;
    }
    auto& chunk = *chunks_.back();
    // Writes past every byte a frozen view can reach; never moves a byte.
    std::memcpy(chunk.data() + used_, s.data(), s.size());
    ArenaRef ref{static_cast<std::uint32_t>(chunks_.size() - 1), static_cast<std::uint32_t>(used_),
                 static_cast<std::uint32_t>(s.size())};
    used_ += s.size();
    return ref;
  }
  std::string_view Get(ArenaRef ref) const {
    return std::string_view(chunks_[ref.chunk]->data() + ref.offset, ref.length);
  }
  void Clear() {
    chunks_.clear();
    used_ = 0;
  }
  FrozenArena Freeze() const {
    return FrozenArena(
        std::vector<std::shared_ptr<const std::vector<char>>>(chunks_.begin(), chunks_.end()));
  }
  std::size_t capacity_bytes() const { return chunks_.size() * kChunkBytes; }

 private:
  std::vector<std::shared_ptr<std::vector<char>>> chunks_;
  std::size_t used_ = 0;
};

}  // namespace tributary::graph
