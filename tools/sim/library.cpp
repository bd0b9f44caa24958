#include "library.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "text.hpp"

namespace outpost::sim {

namespace {

const char* const topics[] = {"Price sheet", "Pitch deck", "Security whitepaper", "Hospital case study",
                              "Product video", "EMEA roadmap", "Onboarding guide", "Contract template"};
const char* const kinds[] = {"price-sheet", "deck", "pdf", "pdf", "video", "deck", "pdf", "pdf"};

}  // namespace

Library::Library(std::string dir, std::uint64_t seed, Span kib) : dir_(std::move(dir)), rng_(seed ^ 0x6c6962ULL), kib_(kib) {}

Library::Item Library::make(const std::string& asset) {
  std::vector<unsigned char>& bytes = content_[asset];
  const auto width = static_cast<std::uint64_t>(kib_.hi - kib_.lo) + 1;
  const std::uint64_t size = (static_cast<std::uint64_t>(kib_.lo) + rng_() % width) * 1024;
  bytes.resize(size);
  for (auto& b : bytes) b = static_cast<unsigned char>(rng_());
  versions_[asset] = 1;
  order_.emplace(asset, order_.size());
  return write(asset);
}

Library::Item Library::next_version(const std::string& asset) {
  if (content_.count(asset) == 0) return make(asset);
  std::vector<unsigned char>& bytes = content_[asset];
  const std::size_t edit = std::min<std::size_t>(4096, bytes.size());
  const std::size_t at = bytes.size() > edit ? static_cast<std::size_t>(rng_() % (bytes.size() - edit)) : 0;
  for (std::size_t i = 0; i < edit; ++i) bytes[at + i] = static_cast<unsigned char>(rng_());
  ++versions_[asset];
  return write(asset);
}

Library::Item Library::write(const std::string& asset) {
  std::filesystem::create_directories(dir_);
  const std::string file = cat(dir_, "/", asset, "-v", versions_[asset], ".bin");
  std::ofstream out(file, std::ios::binary);
  const auto& bytes = content_[asset];
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error(cat("cannot write ", file));
  const std::size_t topic = order_.at(asset) % std::size(topics);
  return {file, cat(topics[topic], " ", asset), kinds[topic]};
}

}  // namespace outpost::sim
