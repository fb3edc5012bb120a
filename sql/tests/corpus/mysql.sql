-- Corpus of valid MySQL/MariaDB migration SQL.
-- Runs top to bottom on a fresh, empty database (selected as the default database), one
-- statement at a time in autocommit. Checked on MariaDB 10.11. Written to be valid on
-- MySQL 8.0 as well; statements that only MariaDB accepts say so in a comment.
-- Shaped after an e-commerce/CRM application: a mysqldump baseline, then Laravel,
-- Doctrine, Flyway and hand-written migrations.

-- migration: V1__baseline_mysqldump
-- MySQL dump 10.13  Distrib 5.7.22, for Linux (x86_64)
--
-- Host: db-primary    Database: shop
-- ------------------------------------------------------
-- Server version	5.7.22-log

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

SET NAMES utf8mb4;
SET FOREIGN_KEY_CHECKS = 0;

--
-- Table structure for table `customers`
--

DROP TABLE IF EXISTS `customers`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8 */;
CREATE TABLE `customers` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `email` varchar(191) COLLATE utf8mb4_unicode_ci NOT NULL,
  `first_name` varchar(100) COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  `last_name` varchar(100) COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  `phone` varchar(32) COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  `status` enum('active','blocked','deleted') COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'active',
  `created_at` timestamp NULL DEFAULT NULL,
  `updated_at` timestamp NULL DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `customers_email_unique` (`email`),
  KEY `customers_status_index` (`status`)
) ENGINE=InnoDB AUTO_INCREMENT=1 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `customers`
--

LOCK TABLES `customers` WRITE;
/*!40000 ALTER TABLE `customers` DISABLE KEYS */;
INSERT INTO `customers` VALUES (1,'ada@example.com','Ada','Lovelace',NULL,'active','2018-03-01 10:00:00','2018-03-01 10:00:00'),(2,'grace@example.com','Grace','Hopper','+1 555 0100','active','2018-03-02 11:30:00','2018-03-02 11:30:00');
/*!40000 ALTER TABLE `customers` ENABLE KEYS */;
UNLOCK TABLES;

DROP TABLE IF EXISTS `categories`;
CREATE TABLE `categories` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `parent_id` int(10) unsigned DEFAULT NULL,
  `name` varchar(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  `slug` varchar(191) COLLATE utf8mb4_unicode_ci NOT NULL,
  `sort_order` smallint(5) unsigned NOT NULL DEFAULT '0',
  PRIMARY KEY (`id`),
  UNIQUE KEY `categories_slug_unique` (`slug`),
  KEY `categories_parent_id_foreign` (`parent_id`),
  CONSTRAINT `categories_parent_id_foreign` FOREIGN KEY (`parent_id`) REFERENCES `categories` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

DROP TABLE IF EXISTS `products`;
CREATE TABLE `products` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `category_id` int(10) unsigned DEFAULT NULL,
  `sku` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  `name` varchar(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  `description` text COLLATE utf8mb4_unicode_ci,
  `price` decimal(10,2) unsigned NOT NULL DEFAULT '0.00',
  `stock` int(11) NOT NULL DEFAULT '0',
  `is_active` tinyint(1) NOT NULL DEFAULT '1',
  `created_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `products_sku_unique` (`sku`),
  KEY `products_category_id_index` (`category_id`),
  FULLTEXT KEY `products_name_description_fulltext` (`name`,`description`),
  CONSTRAINT `products_category_id_foreign` FOREIGN KEY (`category_id`) REFERENCES `categories` (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=1000 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Sellable items; price is gross';

DROP TABLE IF EXISTS `orders`;
CREATE TABLE `orders` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `customer_id` int(10) unsigned NOT NULL,
  `number` varchar(32) COLLATE utf8mb4_unicode_ci NOT NULL,
  `state` enum('cart','placed','paid','shipped','cancelled') COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'cart',
  `total` decimal(12,2) NOT NULL DEFAULT '0.00',
  `currency` char(3) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT 'EUR',
  `placed_at` datetime DEFAULT NULL,
  `created_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `orders_number_unique` (`number`),
  KEY `orders_customer_id_state_index` (`customer_id`,`state`),
  CONSTRAINT `orders_customer_id_foreign` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

DROP TABLE IF EXISTS `order_items`;
CREATE TABLE `order_items` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `order_id` bigint(20) unsigned NOT NULL,
  `product_id` int(10) unsigned NOT NULL,
  `quantity` int(10) unsigned NOT NULL DEFAULT '1',
  `unit_price` decimal(10,2) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `order_items_order_id_foreign` (`order_id`),
  KEY `order_items_product_id_foreign` (`product_id`),
  CONSTRAINT `order_items_order_id_foreign` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE CASCADE,
  CONSTRAINT `order_items_product_id_foreign` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

DROP TABLE IF EXISTS `migrations`;
CREATE TABLE `migrations` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `migration` varchar(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  `batch` int(11) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

LOCK TABLES `migrations` WRITE;
INSERT INTO `migrations` VALUES (1,'2014_10_12_000000_create_customers_table',1),(2,'2014_10_12_100000_create_password_resets_table',1),(3,'2016_06_01_000001_create_products_table',2);
UNLOCK TABLES;

SET FOREIGN_KEY_CHECKS = 1;

/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2018-06-14  3:12:45

-- migration: V2__password_resets
CREATE TABLE IF NOT EXISTS `password_resets` (
  `email` varchar(191) NOT NULL,
  `token` varchar(255) NOT NULL,
  `created_at` timestamp NULL DEFAULT NULL,
  KEY `password_resets_email_index` (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- migration: V3__addresses
CREATE TABLE `addresses` (
  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `customer_id` INT UNSIGNED NOT NULL,
  `type` ENUM('billing', 'shipping') NOT NULL DEFAULT 'shipping',
  `line1` VARCHAR(255) NOT NULL,
  `line2` VARCHAR(255) NULL,
  `city` VARCHAR(100) NOT NULL,
  `postal_code` VARCHAR(20) NULL,
  `country_code` CHAR(2) NOT NULL DEFAULT 'DE',
  `is_default` BOOLEAN NOT NULL DEFAULT FALSE,
  INDEX `addresses_customer_id_type_index` (`customer_id`, `type`),
  CONSTRAINT `addresses_customer_id_foreign` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARACTER SET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- migration: V4__customers_add_columns
ALTER TABLE `customers` ADD COLUMN `birthday` DATE NULL AFTER `last_name`;
ALTER TABLE `customers` ADD `newsletter` TINYINT(1) NOT NULL DEFAULT 0, ADD `locale` VARCHAR(10) NOT NULL DEFAULT 'en' AFTER `phone`;
ALTER TABLE customers ADD COLUMN (referrer_id INT UNSIGNED NULL, loyalty_points INT NOT NULL DEFAULT 0);

-- migration: V5__backfill_full_name
ALTER TABLE `customers` ADD COLUMN `full_name` VARCHAR(201) NULL AFTER `last_name`;
UPDATE `customers` SET `full_name` = TRIM(CONCAT_WS(' ', `first_name`, `last_name`));
UPDATE customers SET full_name = email WHERE full_name = '' OR full_name IS NULL;

-- migration: V6__product_images
CREATE TABLE product_images (
    id INT UNSIGNED AUTO_INCREMENT,
    product_id INT UNSIGNED NOT NULL,
    path VARCHAR(500) NOT NULL,
    alt VARCHAR(255) DEFAULT '',
    position TINYINT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY idx_product_images_product (product_id, position),
    FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- migration: V7__indexes_online
ALTER TABLE `orders` ADD INDEX `orders_placed_at_index` (`placed_at`), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE `products` ADD UNIQUE KEY `products_name_category_unique` (`category_id`, `name`(100));
CREATE INDEX `customers_created_at_index` USING BTREE ON `customers` (`created_at`);
CREATE INDEX idx_addresses_postal ON addresses (country_code, postal_code) USING BTREE;
CREATE FULLTEXT INDEX `ft_customers_name` ON `customers` (`full_name`, `email`);
CREATE UNIQUE INDEX uq_product_images_path ON product_images (path(191));

-- migration: V8__drop_redundant_keys
ALTER TABLE `customers` DROP KEY `customers_status_index`;
ALTER TABLE `password_resets` DROP INDEX `password_resets_email_index`, ADD INDEX `password_resets_email_created_index` (`email`, `created_at`);
DROP INDEX `customers_created_at_index` ON `customers`;

-- migration: V9__money_as_cents
ALTER TABLE `products` ADD COLUMN `price_cents` INT UNSIGNED NOT NULL DEFAULT 0 AFTER `price`;
UPDATE `products` SET `price_cents` = ROUND(`price` * 100);
ALTER TABLE `products` DROP COLUMN `price`;
ALTER TABLE `order_items` CHANGE `unit_price` `unit_price_cents` INT UNSIGNED NOT NULL;

-- migration: V10__modify_columns
ALTER TABLE `customers` MODIFY `phone` VARCHAR(40) NULL COMMENT 'E.164 where we could parse it';
ALTER TABLE `customers` MODIFY COLUMN `locale` VARCHAR(16) NOT NULL DEFAULT 'en' AFTER `email`;
ALTER TABLE `orders` CHANGE COLUMN `number` `order_number` VARCHAR(40) NOT NULL;
ALTER TABLE `orders` RENAME COLUMN `total` TO `total_amount`;
ALTER TABLE `orders` RENAME INDEX `orders_number_unique` TO `orders_order_number_unique`;
ALTER TABLE `products` ALTER COLUMN `stock` SET DEFAULT 10;
ALTER TABLE `products` ALTER COLUMN `stock` DROP DEFAULT;

-- migration: V11__json_and_generated
ALTER TABLE `products`
  ADD COLUMN `attributes` JSON NULL,
  ADD COLUMN `color` VARCHAR(32) GENERATED ALWAYS AS (JSON_UNQUOTE(JSON_EXTRACT(`attributes`, '$.color'))) VIRTUAL,
  ADD INDEX `products_color_index` (`color`);

UPDATE `products` SET `attributes` = JSON_OBJECT('color', 'black', 'sizes', JSON_ARRAY('S', 'M', 'L')) WHERE `attributes` IS NULL;

ALTER TABLE `order_items` ADD COLUMN `line_total_cents` INT UNSIGNED AS (`quantity` * `unit_price_cents`) STORED;

-- migration: V12__checks
ALTER TABLE `order_items` ADD CONSTRAINT `chk_order_items_quantity` CHECK (`quantity` > 0);
ALTER TABLE `products` ADD CONSTRAINT `chk_products_stock` CHECK (`stock` >= -100);
ALTER TABLE `products` DROP CONSTRAINT `chk_products_stock`;

CREATE TABLE `coupons` (
  `code` VARCHAR(32) NOT NULL,
  `percent_off` TINYINT UNSIGNED NULL CHECK (`percent_off` BETWEEN 1 AND 100),
  `amount_off_cents` INT UNSIGNED NULL,
  `valid_from` DATE NOT NULL,
  `valid_until` DATE NULL,
  `channels` SET('web', 'app', 'pos') NOT NULL DEFAULT 'web,app',
  PRIMARY KEY (`code`),
  CONSTRAINT `chk_coupons_one_discount` CHECK ((`percent_off` IS NULL) <> (`amount_off_cents` IS NULL)),
  CONSTRAINT `chk_coupons_dates` CHECK (`valid_until` IS NULL OR `valid_until` >= `valid_from`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Marketing coupons';

-- migration: V13__conditional_ddl_add_column
SET @dbname = DATABASE();
SET @tablename = 'customers';
SET @columnname = 'deleted_at';
SET @preparedStatement = (SELECT IF(
  (
    SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS
    WHERE
      (table_name = @tablename)
      AND (table_schema = @dbname)
      AND (column_name = @columnname)
  ) > 0,
  'SELECT 1',
  CONCAT('ALTER TABLE ', @tablename, ' ADD ', @columnname, ' DATETIME NULL DEFAULT NULL;')
));
PREPARE alterIfNotExists FROM @preparedStatement;
EXECUTE alterIfNotExists;
DEALLOCATE PREPARE alterIfNotExists;

-- migration: V14__conditional_ddl_index
SET @exist := (SELECT COUNT(*) FROM information_schema.statistics
               WHERE table_schema = DATABASE() AND table_name = 'orders' AND index_name = 'orders_state_index');
SET @sqlstmt := IF(@exist > 0, 'SELECT ''index already exists''', 'CREATE INDEX orders_state_index ON orders (state)');
PREPARE stmt FROM @sqlstmt;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- migration: V15__conditional_drop_fk
SET @fk := (SELECT CONSTRAINT_NAME FROM information_schema.TABLE_CONSTRAINTS
            WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'products'
              AND CONSTRAINT_TYPE = 'FOREIGN KEY' AND CONSTRAINT_NAME = 'products_category_id_foreign');
SET @q = IF(@fk IS NULL, 'DO 0', CONCAT('ALTER TABLE `products` DROP FOREIGN KEY `', @fk, '`'));
PREPARE drop_fk FROM @q;
EXECUTE drop_fk;
DROP PREPARE drop_fk;
ALTER TABLE `products`
  ADD CONSTRAINT `products_category_id_foreign` FOREIGN KEY (`category_id`) REFERENCES `categories` (`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- migration: V16__prepared_with_parameters
SET @min_points = 100;
PREPARE promote FROM 'UPDATE customers SET status = ? WHERE loyalty_points >= ?';
SET @new_status = 'active';
EXECUTE promote USING @new_status, @min_points;
DEALLOCATE PREPARE promote;

-- migration: V17__triggers_updated_at
CREATE TRIGGER `customers_before_insert` BEFORE INSERT ON `customers` FOR EACH ROW
BEGIN
  IF NEW.created_at IS NULL THEN
    SET NEW.created_at = NOW();
  END IF;
  SET NEW.updated_at = NEW.created_at;
  SET NEW.email = LOWER(TRIM(NEW.email));
END;

CREATE TRIGGER customers_before_update
BEFORE UPDATE ON customers
FOR EACH ROW
BEGIN
  SET NEW.updated_at = CURRENT_TIMESTAMP;
  IF NEW.email <> OLD.email THEN
    SET NEW.email = LOWER(NEW.email);
  END IF;
END;

CREATE DEFINER = CURRENT_USER TRIGGER `order_items_after_insert` AFTER INSERT ON `order_items` FOR EACH ROW
  UPDATE `orders` SET `total_amount` = `total_amount` + NEW.quantity * NEW.unit_price_cents / 100 WHERE `id` = NEW.order_id;

-- migration: V18__stock_guard_trigger
CREATE TRIGGER order_items_before_insert BEFORE INSERT ON order_items FOR EACH ROW
BEGIN
  DECLARE available INT DEFAULT 0;
  SELECT stock INTO available FROM products WHERE id = NEW.product_id;
  IF available < NEW.quantity THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'Not enough stock for this product';
  END IF;
  UPDATE products SET stock = stock - NEW.quantity WHERE id = NEW.product_id;
END;

CREATE TRIGGER order_items_after_delete AFTER DELETE ON order_items FOR EACH ROW
BEGIN
  UPDATE products SET stock = stock + OLD.quantity WHERE id = OLD.product_id;
  UPDATE orders
     SET total_amount = GREATEST(total_amount - OLD.quantity * OLD.unit_price_cents / 100, 0)
   WHERE id = OLD.order_id;
END;

-- migration: V19__audit_log
CREATE TABLE `audit_log` (
  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  `table_name` VARCHAR(64) NOT NULL,
  `row_id` BIGINT UNSIGNED NOT NULL,
  `action` ENUM('insert','update','delete') NOT NULL,
  `changes` JSON NULL,
  `db_user` VARCHAR(288) NOT NULL DEFAULT '',
  `created_at` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (`id`),
  KEY `audit_log_table_row` (`table_name`, `row_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC;

CREATE TRIGGER orders_audit_update AFTER UPDATE ON orders FOR EACH ROW
BEGIN
  IF NOT (OLD.state <=> NEW.state) THEN
    INSERT INTO audit_log (table_name, row_id, action, changes, db_user)
    VALUES ('orders', NEW.id, 'update',
            JSON_OBJECT('state', JSON_ARRAY(OLD.state, NEW.state)),
            CURRENT_USER());
  END IF;
END;

CREATE TRIGGER orders_audit_delete AFTER DELETE ON orders FOR EACH ROW
  INSERT INTO audit_log (table_name, row_id, action, db_user) VALUES ('orders', OLD.id, 'delete', CURRENT_USER());

CREATE TRIGGER orders_audit_state_log AFTER UPDATE ON orders FOR EACH ROW FOLLOWS orders_audit_update
  INSERT INTO audit_log (table_name, row_id, action) SELECT 'orders', NEW.id, 'update' FROM DUAL WHERE NEW.total_amount <> OLD.total_amount;

-- migration: V20__procedures
DROP PROCEDURE IF EXISTS `recalculate_order_totals`;

CREATE PROCEDURE `recalculate_order_totals`(IN p_order_id BIGINT UNSIGNED)
  MODIFIES SQL DATA
  COMMENT 'Recompute orders.total_amount from its items'
BEGIN
  UPDATE orders o
     SET o.total_amount = (
       SELECT COALESCE(SUM(oi.quantity * oi.unit_price_cents), 0) / 100
         FROM order_items oi
        WHERE oi.order_id = o.id)
   WHERE p_order_id IS NULL OR o.id = p_order_id;
END;

CALL recalculate_order_totals(NULL);

CREATE PROCEDURE archive_cancelled_orders(IN older_than_days INT, OUT moved INT)
BEGIN
  DECLARE done INT DEFAULT FALSE;
  DECLARE v_id BIGINT UNSIGNED;
  DECLARE cur CURSOR FOR
    SELECT id FROM orders WHERE state = 'cancelled' AND updated_at < NOW() - INTERVAL older_than_days DAY;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = TRUE;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;

  SET moved = 0;
  START TRANSACTION;
  OPEN cur;
  read_loop: LOOP
    FETCH cur INTO v_id;
    IF done THEN
      LEAVE read_loop;
    END IF;
    DELETE FROM orders WHERE id = v_id;
    SET moved = moved + 1;
  END LOOP read_loop;
  CLOSE cur;
  COMMIT;
END;

CALL archive_cancelled_orders(365, @moved);
SELECT @moved AS orders_archived;

-- migration: V21__functions
CREATE FUNCTION `slugify`(input VARCHAR(255)) RETURNS VARCHAR(255) CHARSET utf8mb4
  DETERMINISTIC
  NO SQL
BEGIN
  DECLARE s VARCHAR(255);
  SET s = LOWER(TRIM(input));
  SET s = REPLACE(s, ' ', '-');
  SET s = REPLACE(s, '''', '');
  WHILE INSTR(s, '--') > 0 DO
    SET s = REPLACE(s, '--', '-');
  END WHILE;
  RETURN s;
END;

CREATE FUNCTION customer_order_count(p_customer_id INT UNSIGNED) RETURNS INT
  READS SQL DATA
  SQL SECURITY INVOKER
  RETURN (SELECT COUNT(*) FROM orders WHERE customer_id = p_customer_id);

CREATE FUNCTION loyalty_tier(points INT) RETURNS VARCHAR(10) DETERMINISTIC
BEGIN
  DECLARE tier VARCHAR(10);
  CASE
    WHEN points >= 10000 THEN SET tier = 'gold';
    WHEN points >= 1000 THEN SET tier = 'silver';
    ELSE SET tier = 'bronze';
  END CASE;
  RETURN tier;
END;

UPDATE categories SET slug = slugify(name) WHERE slug = '';

-- migration: V22__views
CREATE OR REPLACE ALGORITHM=MERGE SQL SECURITY DEFINER VIEW `active_products` AS
  SELECT `id`, `sku`, `name`, `price_cents`, `stock` FROM `products` WHERE `is_active` = 1;

CREATE ALGORITHM = UNDEFINED DEFINER = CURRENT_USER SQL SECURITY INVOKER VIEW `customer_order_summary` AS
SELECT c.id AS customer_id,
       c.email,
       COUNT(o.id) AS orders_count,
       COALESCE(SUM(o.total_amount), 0) AS lifetime_value,
       MAX(o.placed_at) AS last_order_at
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id AND o.state IN ('paid', 'shipped')
GROUP BY c.id, c.email;

CREATE VIEW in_stock_products AS
  SELECT * FROM active_products WHERE stock > 0
  WITH CASCADED CHECK OPTION;

ALTER ALGORITHM=MERGE VIEW active_products AS
  SELECT id, sku, name, price_cents, stock, category_id FROM products WHERE is_active = 1;

-- migration: V23__upserts
CREATE TABLE `product_views_daily` (
  `product_id` INT UNSIGNED NOT NULL,
  `day` DATE NOT NULL,
  `views` INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (`product_id`, `day`)
) ENGINE=InnoDB;

INSERT INTO product_views_daily (product_id, day, views)
VALUES (1000, CURDATE(), 1)
ON DUPLICATE KEY UPDATE views = views + VALUES(views);

INSERT INTO product_views_daily (product_id, day, views)
SELECT id, CURDATE() - INTERVAL 1 DAY, 0 FROM products
ON DUPLICATE KEY UPDATE views = product_views_daily.views;

INSERT IGNORE INTO `categories` (`id`, `name`, `slug`) VALUES (1, 'Uncategorised', 'uncategorised');

REPLACE INTO `categories` (`id`, `name`, `slug`, `sort_order`) VALUES (2, 'Books', 'books', 10);

REPLACE INTO categories SET id = 3, name = 'Music', slug = 'music';

INSERT INTO categories SET name = 'Games', slug = 'games', parent_id = NULL;

-- migration: V24__seed_products
INSERT INTO `products` (`category_id`, `sku`, `name`, `description`, `price_cents`, `stock`, `attributes`) VALUES
  (2, 'BK-0001', 'The Art of SQL', 'A book; with semicolons', 3999, 20, '{"color": "blue"}'),
  (3, 'MU-0001', 'Greatest Hits', "Customer's favourite", 1299, 5, NULL),
  (NULL, 'GF-0001', 'Gift card', 'Line one\nLine two', 2500, 1000, JSON_OBJECT('digital', TRUE));

INSERT INTO orders (customer_id, order_number, state, placed_at)
SELECT id, CONCAT('ORD-', LPAD(id, 8, '0')), 'placed', NOW() FROM customers;

-- The triggers on order_items update products and orders, so the insert cannot read them.
SELECT id, price_cents INTO @book_id, @book_price FROM products WHERE sku = 'BK-0001';
SET @first_order = (SELECT MIN(id) FROM orders);
INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
VALUES (@first_order, @book_id, 1, @book_price), (@first_order + 1, @book_id, 2, @book_price);

-- migration: V25__multi_table_update_delete
UPDATE orders o
JOIN customers c ON c.id = o.customer_id
SET o.currency = 'GBP'
WHERE c.locale = 'en_GB';

UPDATE `products` p
  INNER JOIN `categories` c ON c.`id` = p.`category_id`
  SET p.`is_active` = 0, c.`sort_order` = c.`sort_order` + 1
  WHERE c.`slug` = 'music' AND p.`stock` = 0;

DELETE pi FROM product_images pi
LEFT JOIN products p ON p.id = pi.product_id
WHERE p.id IS NULL;

DELETE a, c FROM addresses a JOIN customers c ON c.id = a.customer_id WHERE c.status = 'deleted';

DELETE FROM password_resets USING password_resets JOIN customers ON customers.email = password_resets.email WHERE customers.status = 'blocked';

UPDATE customers SET loyalty_points = loyalty_points + 10 ORDER BY id LIMIT 100;

DELETE FROM audit_log WHERE created_at < NOW() - INTERVAL 2 YEAR ORDER BY id LIMIT 10000;

-- migration: V26__backfill_without_where
ALTER TABLE `orders` ADD COLUMN `items_count` SMALLINT UNSIGNED NOT NULL DEFAULT 0;
UPDATE `orders` SET `items_count` = (SELECT COUNT(*) FROM `order_items` WHERE `order_items`.`order_id` = `orders`.`id`);
UPDATE products SET is_active = 1;

-- migration: V27__rename_tables
RENAME TABLE `password_resets` TO `password_reset_tokens`;
CREATE TABLE wishlist (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, customer_id INT UNSIGNED NOT NULL, product_id INT UNSIGNED NOT NULL) ENGINE=InnoDB;
CREATE TABLE wishlist_share (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, wishlist_id INT UNSIGNED NOT NULL, token CHAR(32) NOT NULL) ENGINE=InnoDB;
RENAME TABLE wishlist TO wishlist_items, wishlist_share TO wishlist_shares;
ALTER TABLE wishlist_items RENAME TO saved_items;

-- migration: V28__convert_charset
ALTER TABLE `migrations` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
ALTER TABLE `saved_items` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
ALTER TABLE `coupons` MODIFY `code` VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
ALTER DATABASE CHARACTER SET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- migration: V29__engine_and_table_options
ALTER TABLE `saved_items` ENGINE=InnoDB;
ALTER TABLE `orders` AUTO_INCREMENT=1000;
ALTER TABLE `audit_log` ROW_FORMAT=DYNAMIC, COMMENT='Append-only; pruned after two years';
ALTER TABLE `product_views_daily` STATS_PERSISTENT=1, STATS_AUTO_RECALC=1;
ALTER TABLE `wishlist_shares` FORCE;

-- migration: V30__primary_key_change
ALTER TABLE `saved_items` DROP PRIMARY KEY, MODIFY `id` INT UNSIGNED NOT NULL, ADD PRIMARY KEY (`customer_id`, `product_id`);
ALTER TABLE `saved_items` DROP COLUMN `id`;
ALTER TABLE `saved_items` ADD COLUMN `created_at` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE `saved_items`
  ADD CONSTRAINT `saved_items_customer_fk` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE,
  ADD CONSTRAINT `saved_items_product_fk` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`) ON DELETE CASCADE;

-- migration: V31__drop_foreign_key
ALTER TABLE `saved_items` DROP FOREIGN KEY `saved_items_product_fk`;
ALTER TABLE `saved_items` DROP INDEX `saved_items_product_fk`;
ALTER TABLE saved_items ADD KEY saved_items_product_id_index (product_id);

-- migration: V32__doctrine_style
CREATE TABLE messenger_messages (id BIGINT AUTO_INCREMENT NOT NULL, body LONGTEXT NOT NULL, headers LONGTEXT NOT NULL, queue_name VARCHAR(190) NOT NULL, created_at DATETIME NOT NULL COMMENT '(DC2Type:datetime_immutable)', available_at DATETIME NOT NULL COMMENT '(DC2Type:datetime_immutable)', delivered_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', INDEX IDX_75EA56E0FB7336F0 (queue_name), INDEX IDX_75EA56E0E3BD61CE (available_at), INDEX IDX_75EA56E016BA31DB (delivered_at), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8mb4 COLLATE `utf8mb4_unicode_ci` ENGINE = InnoDB;
CREATE TABLE refresh_tokens (id INT AUTO_INCREMENT NOT NULL, customer_id INT UNSIGNED NOT NULL, token VARCHAR(128) NOT NULL, valid DATETIME NOT NULL, UNIQUE INDEX UNIQ_9BACE7E15F37A13B (token), INDEX IDX_9BACE7E19395C3F3 (customer_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8mb4 COLLATE `utf8mb4_unicode_ci` ENGINE = InnoDB;
ALTER TABLE refresh_tokens ADD CONSTRAINT FK_9BACE7E19395C3F3 FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE;
ALTER TABLE refresh_tokens CHANGE valid valid_until DATETIME NOT NULL COMMENT '(DC2Type:datetime_immutable)';

-- migration: V33__flyway_history
CREATE TABLE IF NOT EXISTS `flyway_schema_history` (
    `installed_rank` INT NOT NULL,
    `version` VARCHAR(50),
    `description` VARCHAR(200) NOT NULL,
    `type` VARCHAR(20) NOT NULL,
    `script` VARCHAR(1000) NOT NULL,
    `checksum` INT,
    `installed_by` VARCHAR(100) NOT NULL,
    `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `execution_time` INT NOT NULL,
    `success` BOOL NOT NULL,
    CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`)
) ENGINE=InnoDB;
CREATE INDEX `flyway_schema_history_s_idx` ON `flyway_schema_history` (`success`);

-- migration: V34__partitioned_events
CREATE TABLE `events` (
  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  `customer_id` INT UNSIGNED NULL,
  `name` VARCHAR(64) NOT NULL,
  `payload` JSON NULL,
  `occurred_at` DATETIME NOT NULL,
  PRIMARY KEY (`id`, `occurred_at`),
  KEY `events_customer_occurred` (`customer_id`, `occurred_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
PARTITION BY RANGE (YEAR(`occurred_at`)) (
  PARTITION p2019 VALUES LESS THAN (2020),
  PARTITION p2020 VALUES LESS THAN (2021),
  PARTITION p2021 VALUES LESS THAN (2022),
  PARTITION pmax VALUES LESS THAN MAXVALUE
);

ALTER TABLE `events` REORGANIZE PARTITION pmax INTO (
  PARTITION p2022 VALUES LESS THAN (2023),
  PARTITION pmax VALUES LESS THAN MAXVALUE
);

ALTER TABLE `events` DROP PARTITION p2019;
ALTER TABLE `events` TRUNCATE PARTITION p2020;

CREATE TABLE sessions_by_region (
  id BIGINT UNSIGNED NOT NULL,
  region VARCHAR(16) NOT NULL,
  started_at DATETIME NOT NULL,
  PRIMARY KEY (id, region)
) ENGINE=InnoDB
PARTITION BY LIST COLUMNS (region) (
  PARTITION p_eu VALUES IN ('eu-west', 'eu-central'),
  PARTITION p_us VALUES IN ('us-east', 'us-west')
);

ALTER TABLE sessions_by_region ADD PARTITION (PARTITION p_ap VALUES IN ('ap-south', 'ap-east'));

CREATE TABLE `rate_limits` (
  `bucket` VARBINARY(64) NOT NULL,
  `hits` INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (`bucket`)
) ENGINE=InnoDB PARTITION BY KEY (`bucket`) PARTITIONS 8;

-- migration: V35__events_scheduler
CREATE EVENT IF NOT EXISTS `purge_password_reset_tokens`
  ON SCHEDULE EVERY 1 HOUR
  STARTS CURRENT_TIMESTAMP
  ON COMPLETION PRESERVE
  DISABLE
  COMMENT 'Delete expired tokens'
  DO DELETE FROM password_reset_tokens WHERE created_at < NOW() - INTERVAL 1 DAY;

CREATE EVENT `nightly_rollup`
  ON SCHEDULE EVERY 1 DAY STARTS (TIMESTAMP(CURRENT_DATE) + INTERVAL 1 DAY + INTERVAL 2 HOUR)
  DO
  BEGIN
    INSERT INTO product_views_daily (product_id, day, views)
    SELECT product_id, CURDATE() - INTERVAL 1 DAY, 0 FROM order_items
    ON DUPLICATE KEY UPDATE views = views;
    DELETE FROM events WHERE occurred_at < NOW() - INTERVAL 3 YEAR;
  END;

ALTER EVENT `nightly_rollup` DISABLE;
ALTER EVENT nightly_rollup RENAME TO nightly_rollup_v1;
DROP EVENT IF EXISTS nightly_rollup_v1;

-- migration: V36__users_and_grants
CREATE USER IF NOT EXISTS 'corpus_reporting'@'%' IDENTIFIED BY 'change-me-please';
CREATE USER IF NOT EXISTS 'corpus_app'@'localhost' IDENTIFIED BY 'change-me-too';
CREATE ROLE IF NOT EXISTS 'corpus_readonly';
GRANT 'corpus_readonly' TO 'corpus_reporting'@'%';
-- MariaDB only (MySQL 8: SET DEFAULT ROLE ... TO user):
SET DEFAULT ROLE 'corpus_readonly' FOR 'corpus_reporting'@'%';
ALTER USER 'corpus_app'@'localhost' PASSWORD EXPIRE NEVER;
SET @u = CONCAT('ALTER USER ''corpus_app''@''localhost'' ACCOUNT ', 'UNLOCK');
PREPARE u FROM @u;
EXECUTE u;
DEALLOCATE PREPARE u;
REVOKE 'corpus_readonly' FROM 'corpus_reporting'@'%';
FLUSH PRIVILEGES;

-- migration: V37__lock_tables_bulk_fix
LOCK TABLES `products` WRITE, `categories` READ;
UPDATE products SET category_id = 1 WHERE category_id IS NULL;
UNLOCK TABLES;

LOCK TABLES audit_log WRITE;
DELETE FROM audit_log WHERE table_name = 'legacy';
UNLOCK TABLES;

-- migration: V38__session_settings
SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';
SET @@session.time_zone = '+00:00';
SET time_zone = SYSTEM;
SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;
SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci;
SET CHARACTER SET utf8mb4;
SET SQL_SAFE_UPDATES = 0;
SET UNIQUE_CHECKS = 0, FOREIGN_KEY_CHECKS = 0;
SET UNIQUE_CHECKS = 1, FOREIGN_KEY_CHECKS = 1;
SET @old_sql_mode := @@sql_mode;
SET SESSION innodb_lock_wait_timeout = 50;
SET SESSION max_statement_time = 0; -- MariaDB only (MySQL 8: max_execution_time)

-- migration: V39__explicit_transaction
START TRANSACTION;
INSERT INTO coupons (code, percent_off, valid_from) VALUES ('WELCOME10', 10, '2020-01-01');
INSERT INTO coupons (code, amount_off_cents, valid_from, valid_until, channels) VALUES ('FIVEOFF', 500, '2020-01-01', '2020-12-31', 'web');
COMMIT;

BEGIN;
UPDATE coupons SET valid_until = '2021-12-31' WHERE code = 'WELCOME10';
SAVEPOINT before_cleanup;
DELETE FROM coupons WHERE valid_until < '2020-06-01';
ROLLBACK TO SAVEPOINT before_cleanup;
RELEASE SAVEPOINT before_cleanup;
COMMIT;

-- migration: V40__create_table_like_and_select
CREATE TABLE `orders_archive` LIKE `orders`;
INSERT INTO `orders_archive` SELECT * FROM `orders` WHERE `state` = 'cancelled';
CREATE TABLE `customer_emails_backup` AS SELECT `id`, `email` FROM `customers`;
CREATE TABLE product_price_history ENGINE=InnoDB SELECT id AS product_id, price_cents, NOW() AS recorded_at FROM products;
CREATE TEMPORARY TABLE tmp_order_ids (id BIGINT UNSIGNED PRIMARY KEY) ENGINE=MEMORY;
INSERT INTO tmp_order_ids SELECT id FROM orders WHERE state = 'cart';
DELETE FROM orders WHERE id IN (SELECT id FROM tmp_order_ids);
DROP TEMPORARY TABLE IF EXISTS tmp_order_ids;

-- migration: V41__truncate_and_maintenance
TRUNCATE TABLE `customer_emails_backup`;
TRUNCATE `product_views_daily`;
OPTIMIZE TABLE `audit_log`;
ANALYZE TABLE `orders`, `order_items`;
CHECK TABLE `products`;
CHECKSUM TABLE `categories`;
REPAIR TABLE `flyway_schema_history`;

-- migration: V42__drop_tables
DROP TABLE IF EXISTS `customer_emails_backup`, `product_price_history`;
DROP TABLE IF EXISTS `legacy_cart_items`;
DROP VIEW IF EXISTS `in_stock_products`;

-- migration: V43__spatial_stores
CREATE TABLE `stores` (
  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,
  `name` VARCHAR(100) NOT NULL,
  `location` POINT NOT NULL,
  `opening_hours` JSON NULL,
  PRIMARY KEY (`id`),
  SPATIAL KEY `stores_location_spatial` (`location`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO stores (name, location) VALUES ('Berlin Mitte', ST_GeomFromText('POINT(13.405 52.52)'));

-- migration: V44__cte_and_window
INSERT INTO `audit_log` (`table_name`, `row_id`, `action`, `changes`)
WITH ranked AS (
  SELECT id, customer_id, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY placed_at DESC) AS rn
  FROM orders
)
SELECT 'orders', id, 'update', JSON_OBJECT('rank', rn) FROM ranked WHERE rn = 1;

WITH RECURSIVE tree AS (
  SELECT id, parent_id, name, 0 AS depth FROM categories WHERE parent_id IS NULL
  UNION ALL
  SELECT c.id, c.parent_id, c.name, t.depth + 1 FROM categories c JOIN tree t ON c.parent_id = t.id
)
SELECT * FROM tree;

CREATE VIEW customer_rank AS
SELECT customer_id, lifetime_value,
       RANK() OVER (ORDER BY lifetime_value DESC) AS value_rank,
       NTILE(4) OVER (ORDER BY lifetime_value DESC) AS quartile
FROM customer_order_summary;

-- migration: V45__json_table_backfill
CREATE TABLE `product_sizes` (
  `product_id` INT UNSIGNED NOT NULL,
  `size` VARCHAR(8) NOT NULL,
  PRIMARY KEY (`product_id`, `size`)
) ENGINE=InnoDB;

INSERT IGNORE INTO product_sizes (product_id, size)
SELECT p.id, jt.size
FROM products p,
     JSON_TABLE(p.attributes, '$.sizes[*]' COLUMNS (size VARCHAR(8) PATH '$')) AS jt
WHERE p.attributes IS NOT NULL;

UPDATE products SET attributes = JSON_SET(COALESCE(attributes, '{}'), '$.migrated', TRUE);
UPDATE products SET attributes = JSON_REMOVE(attributes, '$.sizes') WHERE JSON_CONTAINS_PATH(attributes, 'one', '$.sizes');

-- migration: V46__mariadb_if_not_exists
-- MariaDB only: IF NOT EXISTS / IF EXISTS on columns and indexes.
ALTER TABLE `customers` ADD COLUMN IF NOT EXISTS `marketing_consent_at` DATETIME NULL;
ALTER TABLE `customers` DROP COLUMN IF EXISTS `legacy_crm_id`;
CREATE INDEX IF NOT EXISTS `customers_marketing_consent_at_index` ON `customers` (`marketing_consent_at`);
ALTER TABLE `orders` DROP INDEX IF EXISTS `orders_legacy_index`;
ALTER TABLE `orders` ADD INDEX IF NOT EXISTS `orders_state_placed_at_index` (`state`, `placed_at`);
ALTER TABLE `refresh_tokens` DROP FOREIGN KEY IF EXISTS `FK_9BACE7E19395C3F3`;
DROP INDEX IF EXISTS `IDX_9BACE7E19395C3F3` ON `refresh_tokens`;

-- migration: V47__mariadb_or_replace
-- MariaDB only: CREATE OR REPLACE TABLE / TRIGGER, sequences.
CREATE OR REPLACE TABLE `feature_flags` (
  `name` VARCHAR(64) NOT NULL PRIMARY KEY,
  `enabled` BOOLEAN NOT NULL DEFAULT FALSE,
  `rules` JSON NULL CHECK (JSON_VALID(`rules`))
) ENGINE=InnoDB;

CREATE OR REPLACE TRIGGER feature_flags_bi BEFORE INSERT ON feature_flags FOR EACH ROW
  SET NEW.name = LOWER(NEW.name);

CREATE SEQUENCE IF NOT EXISTS invoice_numbers START WITH 10000 INCREMENT BY 1;
SELECT NEXTVAL(invoice_numbers);
ALTER SEQUENCE invoice_numbers RESTART WITH 20000;

-- migration: V48__invoices
CREATE TABLE `invoices` (
  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  `order_id` BIGINT UNSIGNED NOT NULL,
  `invoice_number` VARCHAR(32) NOT NULL,
  `uuid` CHAR(36) NOT NULL DEFAULT (UUID()),
  `issued_on` DATE NOT NULL DEFAULT (CURRENT_DATE),
  `net_cents` INT NOT NULL,
  `vat_rate` DECIMAL(5,4) NOT NULL DEFAULT 0.1900,
  `gross_cents` INT AS (ROUND(`net_cents` * (1 + `vat_rate`))) STORED,
  `meta` JSON NOT NULL DEFAULT (JSON_OBJECT()),
  PRIMARY KEY (`id`),
  UNIQUE KEY `invoices_invoice_number_unique` (`invoice_number`),
  UNIQUE KEY `invoices_uuid_unique` (`uuid`),
  CONSTRAINT `invoices_order_fk` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO invoices (order_id, invoice_number, net_cents)
SELECT id, CONCAT('INV-', YEAR(NOW()), '-', LPAD(id, 6, '0')), ROUND(total_amount * 100) FROM orders WHERE state = 'placed';

-- migration: V49__handler_procedure
CREATE PROCEDURE `add_column_if_missing`(IN p_table VARCHAR(64), IN p_column VARCHAR(64), IN p_definition VARCHAR(255))
BEGIN
  IF NOT EXISTS (
    SELECT * FROM information_schema.COLUMNS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = p_table AND COLUMN_NAME = p_column
  ) THEN
    SET @ddl = CONCAT('ALTER TABLE `', p_table, '` ADD COLUMN `', p_column, '` ', p_definition);
    PREPARE s FROM @ddl;
    EXECUTE s;
    DEALLOCATE PREPARE s;
  END IF;
END;

CALL add_column_if_missing('orders', 'notes', 'TEXT NULL');
CALL add_column_if_missing('orders', 'notes', 'TEXT NULL');
DROP PROCEDURE `add_column_if_missing`;

-- migration: V50__repeat_and_while
CREATE PROCEDURE seed_calendar(IN p_from DATE, IN p_days INT)
BEGIN
  DECLARE i INT DEFAULT 0;
  CREATE TABLE IF NOT EXISTS calendar (day DATE PRIMARY KEY, is_weekend TINYINT(1) NOT NULL);
  REPEAT
    INSERT IGNORE INTO calendar (day, is_weekend)
    VALUES (p_from + INTERVAL i DAY, DAYOFWEEK(p_from + INTERVAL i DAY) IN (1, 7));
    SET i = i + 1;
  UNTIL i >= p_days END REPEAT;
END;

CALL seed_calendar('2024-01-01', 31);

-- migration: V51__customer_segments
CREATE TABLE customer_segments (
  id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(50) NOT NULL UNIQUE,
  rules JSON
) ENGINE=InnoDB AUTO_INCREMENT=10;

INSERT INTO customer_segments (name, rules) VALUES
  ('vip', '{"min_points": 10000}'),
  ('dormant', '{"inactive_days": 365}');

ALTER TABLE customers
  ADD COLUMN segment_id TINYINT UNSIGNED NULL,
  ADD CONSTRAINT customers_segment_fk FOREIGN KEY (segment_id) REFERENCES customer_segments (id) ON DELETE SET NULL;

UPDATE customers c
  JOIN customer_segments s ON s.name = 'vip'
  SET c.segment_id = s.id
  WHERE c.loyalty_points >= JSON_EXTRACT(s.rules, '$.min_points');

-- migration: V52__select_into_outfile_free_checks
SELECT COUNT(*) INTO @orphans FROM order_items oi LEFT JOIN orders o ON o.id = oi.order_id WHERE o.id IS NULL;
SELECT IF(@orphans = 0, 'ok', 'orphans found') AS status;
DO RELEASE_LOCK('migrations');
SELECT GET_LOCK('migrations', 10);
SELECT RELEASE_LOCK('migrations');

-- migration: V53__instant_add_column
ALTER TABLE `orders` ADD COLUMN `channel` VARCHAR(16) NOT NULL DEFAULT 'web', ALGORITHM=INSTANT;
ALTER TABLE `orders` ADD COLUMN `source_ip` VARBINARY(16) NULL AFTER `channel`, ALGORITHM=INPLACE, LOCK=NONE;
-- MariaDB only (MySQL 8 spells it INVISIBLE/VISIBLE):
ALTER TABLE `order_items` ALTER INDEX `order_items_product_id_foreign` IGNORED;
ALTER TABLE `order_items` ALTER INDEX `order_items_product_id_foreign` NOT IGNORED;

-- migration: V54__hash_comments
# Old-style MySQL comment lines, as some tools wrote them
CREATE TABLE `shipping_rates` (
  `country_code` CHAR(2) NOT NULL,
  `weight_grams_max` INT UNSIGNED NOT NULL,
  `rate_cents` INT UNSIGNED NOT NULL,
  PRIMARY KEY (`country_code`, `weight_grams_max`)
) ENGINE=InnoDB;

INSERT INTO `shipping_rates` VALUES ('DE', 1000, 499), ('DE', 5000, 699), ('AT', 1000, 899);

-- migration: V55__string_literals
INSERT INTO `audit_log` (`table_name`, `row_id`, `action`, `changes`) VALUES
  ('notes', 1, 'insert', '{"text": "it''s \\"quoted\\""}'),
  ('notes', 2, 'insert', JSON_OBJECT('path', 'C:\\temp\\x', 'tab', 'a\tb')),
  ('notes', 3, 'insert', JSON_OBJECT('hex', HEX(X'DEADBEEF'), 'bin', 0x41, 'bits', b'1010' + 0));

SELECT _utf8mb4'caf\u00e9' COLLATE utf8mb4_unicode_ci, N'national', 'a' 'b' 'c';

-- migration: V56__reporting_views
CREATE OR REPLACE VIEW `daily_revenue` AS
SELECT DATE(placed_at) AS `day`,
       COUNT(*) AS `orders`,
       SUM(total_amount) AS `revenue`,
       SUM(CASE WHEN currency = 'EUR' THEN total_amount ELSE 0 END) AS `revenue_eur`
FROM orders
WHERE state IN ('paid', 'shipped')
GROUP BY DATE(placed_at);

CREATE OR REPLACE SQL SECURITY INVOKER VIEW `top_products` AS
SELECT p.id, p.name, SUM(oi.quantity) AS units
FROM order_items oi
JOIN products p ON p.id = oi.product_id
GROUP BY p.id, p.name
ORDER BY units DESC
LIMIT 100;

-- migration: V57__drop_triggers_and_routines
DROP TRIGGER IF EXISTS `orders_audit_state_log`;
DROP TRIGGER IF EXISTS order_items_after_insert;
DROP FUNCTION IF EXISTS `customer_order_count`;
DROP PROCEDURE IF EXISTS `seed_calendar`;
DROP VIEW IF EXISTS customer_rank, top_products;

-- migration: V58__recreate_trigger_with_case
CREATE TRIGGER order_items_after_insert AFTER INSERT ON order_items FOR EACH ROW
BEGIN
  UPDATE orders
     SET total_amount = total_amount + NEW.quantity * NEW.unit_price_cents / 100,
         items_count = items_count + 1,
         state = CASE WHEN state = 'cart' THEN 'placed' ELSE state END
   WHERE id = NEW.order_id;
END;

-- migration: V59__procedure_with_labels_and_while
CREATE PROCEDURE backfill_loyalty(IN batch INT)
BEGIN
  DECLARE affected INT DEFAULT 1;
  backfill: WHILE affected > 0 DO
    UPDATE customers SET loyalty_points = loyalty_points + 1
     WHERE loyalty_points = 0
     LIMIT batch;
    SET affected = ROW_COUNT();
    IF affected < batch THEN
      LEAVE backfill;
    END IF;
  END WHILE backfill;
END;

CALL backfill_loyalty(500);
DROP PROCEDURE backfill_loyalty;

-- migration: V60__text_columns
ALTER TABLE products
  MODIFY description MEDIUMTEXT COLLATE utf8mb4_unicode_ci NULL,
  ADD COLUMN short_description TINYTEXT NULL AFTER name,
  ADD COLUMN specs LONGTEXT NULL,
  ADD COLUMN thumbnail MEDIUMBLOB NULL;

-- migration: V61__numeric_types
CREATE TABLE `exchange_rates` (
  `base` CHAR(3) NOT NULL,
  `quote` CHAR(3) NOT NULL,
  `rate` DECIMAL(18,8) UNSIGNED NOT NULL,
  `inverse` DOUBLE GENERATED ALWAYS AS (1 / `rate`) VIRTUAL,
  `fetched_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  `source` TINYINT UNSIGNED ZEROFILL NOT NULL DEFAULT 1,
  `flags` BIT(8) NOT NULL DEFAULT b'00000000',
  `year_valid` YEAR NULL,
  `approx` FLOAT(7,4) NULL,
  `big` BIGINT SIGNED NOT NULL DEFAULT -1,
  `mid` MEDIUMINT UNSIGNED NULL,
  `t` TIME(2) NULL,
  PRIMARY KEY (`base`, `quote`)
) ENGINE=InnoDB;

INSERT INTO exchange_rates (base, quote, rate) VALUES ('EUR', 'USD', 1.08450000), ('EUR', 'GBP', 0.85670000)
ON DUPLICATE KEY UPDATE rate = VALUES(rate), fetched_at = NOW(3);

-- migration: V62__gdpr_anonymize
UPDATE customers
   SET email = CONCAT('deleted+', id, '@example.invalid'),
       first_name = NULL,
       last_name = NULL,
       full_name = NULL,
       phone = NULL,
       birthday = NULL
 WHERE status = 'deleted';
DELETE FROM addresses WHERE customer_id IN (SELECT id FROM customers WHERE status = 'deleted');
DELETE FROM refresh_tokens WHERE customer_id IN (SELECT id FROM (SELECT id FROM customers WHERE status = 'deleted') AS d);

-- migration: V63__tags
CREATE TABLE `tags` (
  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,
  `name` VARCHAR(64) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `tags_name_unique` (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `product_tag` (
  `product_id` INT UNSIGNED NOT NULL,
  `tag_id` INT UNSIGNED NOT NULL,
  PRIMARY KEY (`product_id`, `tag_id`),
  KEY `product_tag_tag_id_foreign` (`tag_id`),
  CONSTRAINT `product_tag_product_id_foreign` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`) ON DELETE CASCADE,
  CONSTRAINT `product_tag_tag_id_foreign` FOREIGN KEY (`tag_id`) REFERENCES `tags` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO tags (name) VALUES ('new'), ('sale'), ('bestseller'), ('sale');

INSERT INTO product_tag (product_id, tag_id)
SELECT p.id, t.id FROM products p CROSS JOIN tags t WHERE t.name = 'new' AND p.created_at > NOW() - INTERVAL 30 DAY;

-- migration: 2019_08_19_000000_create_failed_jobs_table
create table `failed_jobs` (`id` bigint unsigned not null auto_increment primary key, `uuid` varchar(255) not null, `connection` text not null, `queue` text not null, `payload` longtext not null, `exception` longtext not null, `failed_at` timestamp default CURRENT_TIMESTAMP not null) default character set utf8mb4 collate 'utf8mb4_unicode_ci';
alter table `failed_jobs` add unique `failed_jobs_uuid_unique`(`uuid`);

-- migration: 2019_12_14_000001_create_personal_access_tokens_table
create table `personal_access_tokens` (`id` bigint unsigned not null auto_increment primary key, `tokenable_type` varchar(255) not null, `tokenable_id` bigint unsigned not null, `name` varchar(255) not null, `token` varchar(64) not null, `abilities` text null, `last_used_at` timestamp null, `expires_at` timestamp null, `created_at` timestamp null, `updated_at` timestamp null) default character set utf8mb4 collate 'utf8mb4_unicode_ci';
alter table `personal_access_tokens` add index `personal_access_tokens_tokenable_type_tokenable_id_index`(`tokenable_type`, `tokenable_id`);
alter table `personal_access_tokens` add unique `personal_access_tokens_token_unique`(`token`);
insert into `migrations` (`migration`, `batch`) values ('2019_12_14_000001_create_personal_access_tokens_table', 7);

-- migration: 2021_03_02_101500_add_soft_deletes_to_products
alter table `products` add `deleted_at` timestamp null after `updated_at`;
alter table `products` add index `products_deleted_at_index`(`deleted_at`);

-- migration: 20210610120000_create_active_storage_tables
CREATE TABLE `active_storage_blobs` (`id` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, `key` varchar(255) NOT NULL, `filename` varchar(255) NOT NULL, `content_type` varchar(255), `metadata` text, `service_name` varchar(255) NOT NULL, `byte_size` bigint NOT NULL, `checksum` varchar(255), `created_at` datetime(6) NOT NULL);
CREATE UNIQUE INDEX `index_active_storage_blobs_on_key` ON `active_storage_blobs` (`key`);
CREATE TABLE `active_storage_attachments` (`id` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, `name` varchar(255) NOT NULL, `record_type` varchar(255) NOT NULL, `record_id` bigint NOT NULL, `blob_id` bigint NOT NULL, `created_at` datetime(6) NOT NULL, INDEX `index_active_storage_attachments_on_blob_id` (`blob_id`), UNIQUE INDEX `index_active_storage_attachments_uniqueness` (`record_type`, `record_id`, `name`, `blob_id`), CONSTRAINT `fk_rails_c3b3935057` FOREIGN KEY (`blob_id`) REFERENCES `active_storage_blobs` (`id`));
CREATE TABLE `ar_internal_metadata` (`key` varchar(255) NOT NULL PRIMARY KEY, `value` varchar(255), `created_at` datetime(6) NOT NULL, `updated_at` datetime(6) NOT NULL);
INSERT INTO `ar_internal_metadata` (`key`, `value`, `created_at`, `updated_at`) VALUES ('environment', 'production', '2021-06-10 12:00:00.000000', '2021-06-10 12:00:00.000000');

-- migration: V64__legacy_myisam_search
CREATE TABLE `search_index` (
  `doc_id` INT UNSIGNED NOT NULL,
  `doc_type` VARCHAR(20) NOT NULL,
  `content` TEXT NOT NULL,
  PRIMARY KEY (`doc_type`, `doc_id`),
  FULLTEXT KEY `search_index_content` (`content`)
) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4;
INSERT INTO search_index (doc_id, doc_type, content) SELECT id, 'product', CONCAT_WS(' ', name, description) FROM products;
ALTER TABLE `search_index` DISABLE KEYS;
ALTER TABLE `search_index` ENABLE KEYS;
ALTER TABLE `search_index` ENGINE=InnoDB;

-- migration: V65__reshape_columns
ALTER TABLE `shipping_rates` ADD COLUMN `id` INT UNSIGNED NOT NULL AUTO_INCREMENT FIRST, DROP PRIMARY KEY, ADD PRIMARY KEY (`id`), ADD UNIQUE KEY `shipping_rates_country_weight_unique` (`country_code`, `weight_grams_max`);
ALTER TABLE `shipping_rates` CHANGE `rate_cents` `price_cents` INT UNSIGNED NOT NULL AFTER `country_code`;
ALTER TABLE `shipping_rates` RENAME KEY `shipping_rates_country_weight_unique` TO `shipping_rates_lookup`;
ALTER TABLE `customers` DROP COLUMN `first_name`, DROP COLUMN `last_name`;
ALTER TABLE `products` MODIFY `name` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL;
ALTER TABLE `products` ADD FULLTEXT INDEX `products_short_description_fulltext` (`short_description`);

-- migration: V66__update_expressions
UPDATE orders SET state = IF(placed_at IS NULL, 'cart', state);
UPDATE orders
   SET channel = CASE
         WHEN source_ip IS NULL THEN 'import'
         WHEN channel = '' THEN 'web'
         ELSE channel
       END;
UPDATE LOW_PRIORITY customers SET locale = REPLACE(locale, '_', '-') WHERE locale LIKE '%\_%';
UPDATE products SET short_description = LEFT(description, 250) WHERE short_description IS NULL AND description IS NOT NULL;
UPDATE exchange_rates SET rate = rate * 1.0 WHERE base = 'EUR' AND quote IN ('USD', 'GBP');

-- migration: V67__insert_select_union
CREATE TABLE contact_points (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  kind ENUM('email', 'phone') NOT NULL,
  value VARCHAR(191) NOT NULL,
  UNIQUE KEY contact_points_kind_value (kind, value)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO contact_points (customer_id, kind, value)
SELECT id, 'email', email FROM customers
UNION ALL
SELECT id, 'phone', phone FROM customers WHERE phone IS NOT NULL;

-- migration: V68__functions_if_elseif
CREATE FUNCTION shipping_zone(p_country CHAR(2)) RETURNS TINYINT UNSIGNED
  DETERMINISTIC
  CONTAINS SQL
BEGIN
  IF p_country = 'DE' THEN
    RETURN 1;
  ELSEIF p_country IN ('AT', 'CH', 'NL', 'BE', 'FR', 'DK', 'PL', 'CZ', 'LU') THEN
    RETURN 2;
  ELSE
    RETURN 3;
  END IF;
END;

CREATE FUNCTION format_cents(cents INT, cur CHAR(3)) RETURNS VARCHAR(32) DETERMINISTIC
  RETURN CONCAT(FORMAT(cents / 100, 2), ' ', cur);

SELECT shipping_zone('AT'), format_cents(123456, 'EUR');

-- migration: V69__order_state_guard
CREATE TRIGGER orders_before_update_state BEFORE UPDATE ON orders FOR EACH ROW
BEGIN
  DECLARE msg VARCHAR(128);
  IF OLD.state = 'cancelled' AND NEW.state <> 'cancelled' THEN
    SET msg = CONCAT('order ', OLD.id, ' is cancelled and cannot become ', NEW.state);
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg, MYSQL_ERRNO = 1644;
  ELSEIF NEW.state = 'paid' AND OLD.state = 'cart' THEN
    SET NEW.placed_at = COALESCE(NEW.placed_at, NOW());
  END IF;
END;

CREATE TRIGGER orders_before_update_touch BEFORE UPDATE ON orders FOR EACH ROW PRECEDES orders_before_update_state
  SET NEW.updated_at = CURRENT_TIMESTAMP;

-- migration: V70__variables_and_checks
SET @a := 1, @b := 2;
SELECT @a + @b INTO @c;
SELECT MIN(id), MAX(id) INTO @min_id, @max_id FROM orders;
SET @batch = LEAST(1000, COALESCE(@max_id - @min_id + 1, 0));
SELECT @batch AS batch_size, @c AS three;

-- migration: V71__row_locking
START TRANSACTION;
SELECT id FROM products WHERE sku = 'GF-0001' FOR UPDATE;
UPDATE products SET stock = stock + 100 WHERE sku = 'GF-0001';
SELECT * FROM coupons LOCK IN SHARE MODE;
COMMIT;

-- migration: V72__memory_and_temp
CREATE TABLE `rate_limit_cache` (
  `k` VARCHAR(100) NOT NULL,
  `v` INT NOT NULL DEFAULT 0,
  PRIMARY KEY (`k`) USING HASH
) ENGINE=MEMORY;
INSERT INTO rate_limit_cache (k, v) VALUES ('login:1.2.3.4', 1) ON DUPLICATE KEY UPDATE v = v + 1;
DROP TABLE `rate_limit_cache`;

-- migration: V73__date_functions
UPDATE coupons SET valid_until = LAST_DAY(valid_from + INTERVAL 1 MONTH) WHERE valid_until IS NULL;
UPDATE orders SET placed_at = CONVERT_TZ(placed_at, '+00:00', '+01:00') WHERE channel = 'pos';
DELETE FROM password_reset_tokens WHERE created_at < DATE_SUB(NOW(), INTERVAL 1 DAY);
SELECT DATE_FORMAT(NOW(), '%Y-%m-%d %H:%i:%s'), STR_TO_DATE('01/02/2024', '%d/%m/%Y'), TIMESTAMPDIFF(DAY, '2024-01-01', NOW()), UNIX_TIMESTAMP(), FROM_UNIXTIME(0);

-- migration: V74__unique_constraint_named
ALTER TABLE `addresses` ADD CONSTRAINT `addresses_one_default_per_type` UNIQUE (`customer_id`, `type`, `line1`);
ALTER TABLE `invoices` ADD CONSTRAINT `invoices_net_positive` CHECK (`net_cents` >= 0);
ALTER TABLE `coupons` ADD KEY `coupons_valid_range` (`valid_from`, `valid_until`), ADD KEY `coupons_channels` (`channels`);

-- migration: V75__generated_persistent
-- MariaDB only: PERSISTENT is MariaDB's spelling of STORED.
ALTER TABLE `customers` ADD COLUMN `email_domain` VARCHAR(191) AS (SUBSTRING_INDEX(`email`, '@', -1)) PERSISTENT;
ALTER TABLE `customers` ADD INDEX `customers_email_domain_index` (`email_domain`);

-- migration: V76__cleanup_users
DROP USER IF EXISTS 'corpus_app'@'localhost';
DROP USER IF EXISTS 'corpus_reporting'@'%';
DROP ROLE IF EXISTS 'corpus_readonly';

-- migration: V77__final_analyze
ANALYZE TABLE `customers`, `products`, `orders`;
SET FOREIGN_KEY_CHECKS = 1;
