#include "store/sqlite/sqlite_util.hpp"

namespace outpost::hub::sqlite {

class Units::Scope final : public Unit {
 public:
  Scope(Units& units, const char* begin) : units_(units), outer_(begin != nullptr) {
    if (outer_) {
      units_.db_.exec(begin);
    } else {
      name_ = "u" + std::to_string(units_.depth_);
      units_.db_.exec("SAVEPOINT " + name_);
    }
    ++units_.depth_;
  }
  ~Scope() override {
    --units_.depth_;
    if (done_) return;
    try {
      if (outer_) {
        units_.db_.exec("ROLLBACK");
      } else {
        units_.db_.exec("ROLLBACK TO " + name_);
        units_.db_.exec("RELEASE " + name_);
      }
    } catch (...) {  // NOLINT(bugprone-empty-catch): a failed rollback leaves SQLite to roll back on close
    }
  }
  void commit() override {
    units_.db_.exec(outer_ ? std::string("COMMIT") : "RELEASE " + name_);
    done_ = true;
  }

 private:
  Units& units_;
  bool outer_;
  std::string name_;
  bool done_ = false;
};

UnitPtr Units::open(const char* begin) { return std::make_unique<Scope>(*this, begin); }

Statements::Handle Statements::get(const char* sql) {
  auto& slot = cache_[sql];
  if (!slot) {
    slot = std::make_unique<SQLite::Statement>(db_, sql);
  } else {
    slot->clearBindings();
  }
  return Handle(*slot);
}

}  // namespace outpost::hub::sqlite
