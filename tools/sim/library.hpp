// Marketing's library: synthetic content files made from the seed. A new
// version of an asset changes a few KiB of the previous one, as an edit of
// a real document would (so content-defined chunking moves little). Main
// thread only.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace outpost::sim {

class Library {
 public:
  struct Item {
    std::string file, title, kind;
  };

  Library(std::string dir, std::uint64_t seed, Span kib);
  // The first version of asset; its title and kind follow from the order
  // assets are made in (the first is a price sheet, then a deck, ...).
  Item make(const std::string& asset);
  // The next version of an asset made before (a new asset otherwise).
  Item next_version(const std::string& asset);

 private:
  Item write(const std::string& asset);

  std::string dir_;
  std::mt19937_64 rng_;
  Span kib_;
  std::map<std::string, std::vector<unsigned char>> content_;
  std::map<std::string, int> versions_;
  std::map<std::string, std::size_t> order_;  // the n-th asset made is of topic n (lib-1: a price sheet)
};

}  // namespace outpost::sim
