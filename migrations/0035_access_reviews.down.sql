DROP TABLE access_review_decisions;
DROP TABLE access_reviews;
