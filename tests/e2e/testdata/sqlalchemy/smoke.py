"""SQLAlchemy (with psycopg2) against a server: the ORM's unit of work,
Core with bound parameters, and the reflection that migration tools
(Alembic) and autoload read the schema with. Prints one line per step;
the Go test compares them. Usage: smoke.py postgresql+psycopg2://..."""
import datetime
import decimal
import enum
import sys

from sqlalchemy import (Boolean, CheckConstraint, Column, DateTime, Enum, Float, ForeignKey, Integer, MetaData,
                        Numeric, String, Table, Text, create_engine, func, inspect, select, text)
from sqlalchemy.orm import Session, declarative_base, relationship

eng = create_engine(sys.argv[1], future=True)
Base = declarative_base()


class Author(Base):
    __tablename__ = "sa_author"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False, unique=True)
    born = Column(DateTime)
    books = relationship("Book", back_populates="author", cascade="all, delete-orphan")


class Book(Base):
    __tablename__ = "sa_book"
    id = Column(Integer, primary_key=True)
    title = Column(Text, nullable=False)
    price = Column(Numeric(10, 2), CheckConstraint("price >= 0", name="sa_book_price_ok"))
    rating = Column(Float)
    ok = Column(Boolean, default=True)
    author_id = Column(Integer, ForeignKey("sa_author.id", ondelete="CASCADE"), index=True)
    author = relationship("Author", back_populates="books")


class Mood(enum.Enum):
    sad = 1
    ok = 2
    happy = 3


class Visit(Base):
    # SQLAlchemy's Enum makes a PostgreSQL enum type (CREATE TYPE ... AS ENUM).
    __tablename__ = "sa_visit"
    id = Column(Integer, primary_key=True)
    mood = Column(Enum(Mood, name="sa_mood"), nullable=False)


def enums():
    with Session(eng) as s:
        s.add_all([Visit(mood=Mood.happy), Visit(mood=Mood.sad), Visit(mood=Mood.ok)])
        s.commit()
        ordered = [v.mood.name for v in s.execute(select(Visit).order_by(Visit.mood)).scalars()]
        above = s.execute(select(func.count()).select_from(Visit).where(Visit.mood > Mood.sad)).scalar()
    cols = [(c["name"], str(c["type"])) for c in inspect(eng).get_columns("sa_visit")]
    return ordered, above, cols, inspect(eng).get_enums()


def step(name, f):
    try:
        print(name, f())
    except Exception as e:  # the test shows which step failed and why
        print(name, "FAIL", type(e).__name__, str(e).split("\n")[0])


def orm():
    with Session(eng) as s:
        a = Author(name="ann", born=datetime.datetime(1990, 1, 2, 3, 4, 5))
        a.books = [Book(title="t1", price=decimal.Decimal("9.99"), rating=4.5),
                   Book(title="t2", price=None, rating=None, ok=False)]
        s.add(a)
        s.commit()
        counts = s.execute(select(Author.name, func.count(Book.id)).join(Book).group_by(Author.name)).all()
        b = s.execute(select(Book).where(Book.title == "t1")).scalar_one()
        out = [counts, b.price, b.author.name, b.author.born, b.ok, a.id]
        s.delete(a)
        s.commit()
        out.append(s.execute(select(func.count()).select_from(Book)).scalar())
        return out


def reflect():
    t = Table("sa_book", MetaData(), autoload_with=eng)
    return [c.name for c in t.columns], [fk.target_fullname for fk in t.foreign_keys], [c.name for c in t.primary_key]


def core():
    with eng.begin() as c:
        c.execute(text("INSERT INTO sa_author (name) VALUES (:n)"), [{"n": "x"}, {"n": "y"}])
        return c.execute(text("SELECT name FROM sa_author WHERE name = ANY(:ns) ORDER BY name"), {"ns": ["x", "y"]}).all()


def stream():
    # stream_results: psycopg2's named (server-side) cursor, DECLARE ... FETCH ... CLOSE.
    with eng.connect() as c:
        r = c.execution_options(stream_results=True, max_row_buffer=100).execute(
            text("SELECT g, g * 2 AS d FROM generate_series(1, 2500) g ORDER BY g"))
        rows = list(r)
        return len(rows), rows[0], rows[-1], sum(x.d for x in rows)


step("create_all", lambda: Base.metadata.create_all(eng))
step("orm", orm)
insp = inspect(eng)
step("has_table", lambda: (insp.has_table("sa_book"), insp.has_table("nope")))
step("table_names", lambda: sorted(n for n in insp.get_table_names() if n.startswith("sa_")))
step("columns", lambda: [(c["name"], str(c["type"]), c["nullable"], c.get("default")) for c in insp.get_columns("sa_book")])
step("pk", lambda: insp.get_pk_constraint("sa_book"))
step("fks", lambda: insp.get_foreign_keys("sa_book"))
step("indexes", lambda: insp.get_indexes("sa_book"))
step("uniques", lambda: insp.get_unique_constraints("sa_author"))
step("checks", lambda: insp.get_check_constraints("sa_book"))
step("sequences", lambda: sorted(n for n in insp.get_sequence_names() if n.startswith("sa_")))
step("reflect", reflect)
step("core", core)
step("enums", enums)
step("stream", stream)
step("drop_all", lambda: Base.metadata.drop_all(eng))
step("create_again", lambda: Base.metadata.create_all(eng))
step("sequences_again", lambda: sorted(n for n in insp.get_sequence_names() if n.startswith("sa_")))
step("default_again", lambda: [c.get("default") for c in insp.get_columns("sa_book") if c["name"] == "id"])
