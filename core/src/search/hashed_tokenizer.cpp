#include "hashed_tokenizer.hpp"

#include <memory>
#include <new>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/hash.hpp"

namespace outpost::search {

std::string TokenHasher::hash(char domain, std::string_view token) const {
  crypto::Blake2b h(key_);
  h.update(as_bytes(std::string_view(&domain, 1)));
  h.update(as_bytes(token));
  const crypto::Digest d = h.finish();
  return to_hex(ByteView(d.bytes.data(), 8));
}

namespace {

// What the registration keeps: the hasher and the unicode61 it wraps.
struct Context {
  const TokenHasher* hasher;
  fts5_tokenizer unicode{};
  void* unicode_context = nullptr;
};

// One tokenizer instance (one per FTS5 table).
struct Instance {
  Context* context;
  Fts5Tokenizer* inner = nullptr;
};

using TokenCallback = int (*)(void*, int, const char*, int, int, int);

struct Token {
  std::string text;
  int start;
  int end;
};

// Where each character of a UTF-8 token ends, up to max_prefix of them.
std::vector<std::size_t> char_ends(std::string_view token) {
  std::vector<std::size_t> ends;
  for (std::size_t i = 1; i <= token.size() && ends.size() < TokenHasher::max_prefix; ++i) {
    if (i == token.size() || (static_cast<unsigned char>(token[i]) & 0xC0) != 0x80) ends.push_back(i);
  }
  return ends;
}

int emit(TokenCallback callback, void* ctx, int flags, const std::string& term, int start, int end) {
  return callback(ctx, flags, term.data(), static_cast<int>(term.size()), start, end);
}

struct DocumentPass {
  const TokenHasher& hasher;
  void* ctx;
  TokenCallback callback;

  int token(std::string_view text, int start, int end) const {
    if (int rc = emit(callback, ctx, 0, hasher.word(text), start, end); rc != SQLITE_OK) return rc;
    for (std::size_t n : char_ends(text)) {
      if (int rc = emit(callback, ctx, FTS5_TOKEN_COLOCATED, hasher.prefix(text.substr(0, n)), start, end);
          rc != SQLITE_OK) {
        return rc;
      }
    }
    return SQLITE_OK;
  }
};

int create(void* user, const char** args, int count, Fts5Tokenizer** out) {
  auto* context = static_cast<Context*>(user);
  auto instance = std::make_unique<Instance>();
  instance->context = context;
  if (int rc = context->unicode.xCreate(context->unicode_context, args, count, &instance->inner); rc != SQLITE_OK) {
    return rc;
  }
  *out = reinterpret_cast<Fts5Tokenizer*>(instance.release());
  return SQLITE_OK;
}

void destroy_instance(Fts5Tokenizer* tokenizer) {
  auto* instance = reinterpret_cast<Instance*>(tokenizer);
  if (instance->inner != nullptr) instance->context->unicode.xDelete(instance->inner);
  delete instance;
}

int tokenize(Fts5Tokenizer* tokenizer, void* ctx, int flags, const char* text, int size, TokenCallback callback) {
  auto* instance = reinterpret_cast<Instance*>(tokenizer);
  const TokenHasher& hasher = *instance->context->hasher;
  try {
    if ((flags & FTS5_TOKENIZE_QUERY) == 0) {
      DocumentPass pass{hasher, ctx, callback};
      auto each = [](void* p, int, const char* t, int n, int start, int end) -> int {
        try {
          return static_cast<DocumentPass*>(p)->token(std::string_view(t, static_cast<std::size_t>(n)), start, end);
        } catch (const std::bad_alloc&) {
          return SQLITE_NOMEM;
        } catch (...) {
          return SQLITE_ERROR;
        }
      };
      return instance->context->unicode.xTokenize(instance->inner, &pass, flags, text, size, each);
    }
    // A query phrase: its tokens first, so the last one can be the prefix.
    std::vector<Token> tokens;
    auto collect = [](void* p, int, const char* t, int n, int start, int end) -> int {
      try {
        static_cast<std::vector<Token>*>(p)->push_back({std::string(t, static_cast<std::size_t>(n)), start, end});
        return SQLITE_OK;
      } catch (...) {
        return SQLITE_NOMEM;
      }
    };
    if (int rc = instance->context->unicode.xTokenize(instance->inner, &tokens, flags, text, size, collect);
        rc != SQLITE_OK) {
      return rc;
    }
    const bool prefix = (flags & FTS5_TOKENIZE_PREFIX) != 0 || (size > 0 && text[size - 1] == '*');
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const Token& t = tokens[i];
      std::string term;
      if (prefix && i + 1 == tokens.size()) {
        const std::vector<std::size_t> ends = char_ends(t.text);
        term = hasher.prefix(std::string_view(t.text).substr(0, ends.empty() ? 0 : ends.back()));
      } else {
        term = hasher.word(t.text);
      }
      if (int rc = emit(callback, ctx, 0, term, t.start, t.end); rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (...) {
    return SQLITE_ERROR;
  }
}

fts5_api* fts5_of(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(st, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(st);
  }
  sqlite3_finalize(st);
  return api;
}

}  // namespace

void register_hashed_tokenizer(sqlite3* db, const TokenHasher& hasher) {
  fts5_api* api = fts5_of(db);
  if (api == nullptr) throw Error(Errc::unsupported, "this SQLite has no FTS5: the search index needs it");
  auto context = std::make_unique<Context>();
  context->hasher = &hasher;
  if (api->xFindTokenizer(api, "unicode61", &context->unicode_context, &context->unicode) != SQLITE_OK) {
    throw Error(Errc::unsupported, "this SQLite's FTS5 has no unicode61 tokenizer: the search index needs it");
  }
  fts5_tokenizer tokenizer{create, destroy_instance, tokenize};
  Context* owned = context.get();
  if (api->xCreateTokenizer(api, "outpost_hashed", owned, &tokenizer,
                            [](void* p) { delete static_cast<Context*>(p); }) != SQLITE_OK) {
    throw Error(Errc::io, "cannot register the search index's tokenizer");
  }
  context.release();  // the connection owns it now, and deletes it when it closes
}

}  // namespace outpost::search
