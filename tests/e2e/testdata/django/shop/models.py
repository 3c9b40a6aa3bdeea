"""The models of the Django end-to-end test's app: every kind of field,
relation, constraint and index a typical project declares."""
from django.db import models
from django.db.models import Q


class Category(models.Model):
    name = models.CharField(max_length=50, unique=True)
    # db_index on a CharField: PostgreSQL's backend adds a second,
    # varchar_pattern_ops index (shop_category_slug_..._like) for LIKE.
    slug = models.CharField(max_length=80, db_index=True)

    def __str__(self):
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=100, db_index=True)
    email = models.CharField(max_length=200, unique=True)
    slug = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)


class Profile(models.Model):
    author = models.OneToOneField(Author, on_delete=models.CASCADE, related_name="profile")
    bio = models.TextField(blank=True)
    settings = models.JSONField(default=dict)


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)


class Book(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "pub", "Published"

    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="books")
    tags = models.ManyToManyField(Tag, blank=True, related_name="books")
    price = models.DecimalField(max_digits=8, decimal_places=2)
    page_count = models.IntegerField(default=0)
    status = models.CharField(max_length=5, choices=Status.choices, default=Status.DRAFT)
    published = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        unique_together = [("author", "title")]
        indexes = [models.Index(fields=["status", "-price"], name="shop_book_status_price_idx")]
        constraints = [
            models.UniqueConstraint(fields=["title"], condition=Q(status="pub"), name="shop_book_unique_pub_title"),
            models.CheckConstraint(check=Q(price__gte=0), name="shop_book_price_nonneg"),
        ]


class Review(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.CharField(max_length=50)
    rating = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)
    helpful = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["book", "reviewer"], name="shop_review_one_per_reviewer")]
