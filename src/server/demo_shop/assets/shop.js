// Northwind Outdoor: a demo storefront that sends events to enrich and shows live personalization.
(() => {
  'use strict';

  const CART_KEY = 'northwind-cart';
  const READY_TIMEOUT_MS = 10000;

  const state = { writeKey: '', products: [], catalogLoaded: false };
  const $ = (selector) => document.querySelector(selector);

  // ---------- small helpers ----------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  // Prices are integers in minor units (cents).
  function formatPrice(minorUnits, currency) {
    const amount = (Number(minorUnits) || 0) / 100;
    try {
      return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency || 'USD' }).format(amount);
    } catch (_) {
      return `${amount.toFixed(2)} ${currency}`; // unknown currency code
    }
  }

  function capitalize(word) {
    return word ? word[0].toUpperCase() + word.slice(1) : '';
  }

  function findProduct(id) {
    return state.products.find((p) => p.id === id) || null;
  }

  function randomOrderId() {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    return 'ord_' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function thumbnail(item, className = 'thumb') {
    const placeholder = () =>
      el('div', { class: `${className} thumb-placeholder`, 'aria-hidden': 'true' }, (item.name || '?').charAt(0));
    if (!item.thumbnail) return placeholder();
    const img = el('img', { class: className, src: item.thumbnail, alt: '', loading: 'lazy' });
    img.addEventListener('error', () => img.replaceWith(placeholder()), { once: true });
    return img;
  }

  // ---------- analytics (Segment snippet, self-hosted) ----------

  function installAnalyticsStub() {
    const analytics = (window.analytics = window.analytics || []);
    if (analytics.initialize || analytics.invoked) return;
    analytics.invoked = true;
    analytics.methods = [
      'trackSubmit', 'trackClick', 'trackLink', 'trackForm', 'pageview', 'identify', 'reset',
      'group', 'track', 'ready', 'alias', 'debug', 'page', 'screen', 'once', 'off', 'on',
      'addSourceMiddleware', 'addIntegrationMiddleware', 'setAnonymousId',
      'addDestinationMiddleware', 'register', 'user',
    ];
    analytics.factory = function (method) {
      return function () {
        const args = Array.prototype.slice.call(arguments);
        args.unshift(method);
        analytics.push(args);
        return analytics;
      };
    };
    for (const method of analytics.methods) analytics[method] = analytics.factory(method);
  }

  function loadAnalytics(writeKey, onError) {
    const analytics = window.analytics;
    analytics._writeKey = writeKey;
    analytics._cdn = location.origin;
    analytics._loadOptions = {};
    const script = el('script', { src: `/analytics.js/v1/${encodeURIComponent(writeKey)}/analytics.min.js` });
    script.async = true;
    script.addEventListener('error', onError, { once: true });
    document.head.append(script);
  }

  // Always go through window.analytics: the bundle replaces the stub once it has loaded.
  const sdk = () => window.analytics;

  function productProperties(p) {
    return { product_id: p.id, sku: p.sku, name: p.name, category: p.category, price: p.price / 100, currency: p.currency };
  }

  // ---------- cart ----------

  function readCart() {
    try {
      const lines = JSON.parse(localStorage.getItem(CART_KEY) || '[]');
      return Array.isArray(lines) ? lines.filter((l) => l && l.id && l.quantity > 0) : [];
    } catch (_) {
      return [];
    }
  }

  function writeCart(lines) {
    localStorage.setItem(CART_KEY, JSON.stringify(lines));
    renderCartCount();
  }

  function addToCart(product) {
    const lines = readCart();
    const line = lines.find((l) => l.id === product.id);
    if (line) line.quantity += 1;
    else lines.push({ id: product.id, quantity: 1 });
    writeCart(lines);
    sdk().track('Product Added', { ...productProperties(product), quantity: 1 });
  }

  function cartLines() {
    return readCart()
      .map((line) => ({ ...line, product: findProduct(line.id) }))
      .filter((line) => line.product);
  }

  function renderCartCount() {
    const count = readCart().reduce((sum, line) => sum + line.quantity, 0);
    $('[data-testid="cart-count"]').textContent = String(count);
  }

  // ---------- views ----------

  function productCard(item) {
    const id = item.id || item.productId;
    return el('li', { class: 'card', 'data-product-id': id },
      el('a', { class: 'card-link', href: `#/product/${encodeURIComponent(id)}` },
        thumbnail(item),
        el('span', { class: 'card-name', text: item.name }),
        el('span', { class: 'card-price', text: formatPrice(item.price, item.currency) })));
  }

  function emptyShopView() {
    return el('div', { class: 'notice-box', 'data-testid': 'empty-shop' },
      el('h1', { text: 'Nothing on the shelves yet' }),
      el('p', {}, 'The shop has no products yet. Sign in to enrich as an admin and choose ',
        el('a', { href: '/settings', text: 'Settings' }), ' → Load demo data.'));
  }

  function homeView(category) {
    if (state.products.length === 0) return emptyShopView();
    const products = category ? state.products.filter((p) => p.category === category) : state.products;
    const heading = category ? capitalize(category) : 'All products';
    return el('section', { 'data-testid': 'catalog', 'data-category': category || 'all', 'aria-labelledby': 'view-title' },
      el('h1', { id: 'view-title', text: heading }),
      products.length
        ? el('ul', { class: 'grid', 'data-testid': 'product-grid' }, products.map(productCard))
        : el('p', { class: 'notice', text: 'No products in this category yet.' }));
  }

  function productView(product) {
    const status = el('p', { class: 'status', 'data-testid': 'cart-status', role: 'status' });
    const onAdd = () => {
      addToCart(product);
      status.textContent = `Added ${product.name} to your cart.`;
    };
    return el('article', { class: 'product', 'data-testid': 'product', 'data-product-id': product.id },
      thumbnail(product, 'product-image'),
      el('div', { class: 'product-info' },
        el('p', { class: 'eyebrow', 'data-testid': 'product-category', text: capitalize(product.category) }),
        el('h1', { text: product.name }),
        el('p', { class: 'product-price', 'data-testid': 'product-price', text: formatPrice(product.price, product.currency) }),
        el('p', { class: 'product-description', text: product.description || '' }),
        el('button', { type: 'button', class: 'button', 'data-testid': 'add-to-cart', onclick: onAdd }, 'Add to cart'),
        status));
  }

  function notFoundView() {
    return el('div', { class: 'notice-box', 'data-testid': 'not-found' },
      el('h1', { text: 'We could not find that product' }),
      el('p', {}, el('a', { href: '#/', text: 'Back to all products' })));
  }

  function cartView(confirmation) {
    const lines = cartLines();
    const root = el('section', { class: 'cart', 'data-testid': 'cart', 'aria-labelledby': 'view-title' },
      el('h1', { id: 'view-title', text: 'Your cart' }));
    if (confirmation) {
      root.append(el('p', { class: 'confirmation', role: 'status', 'data-testid': 'order-confirmation', 'data-order-id': confirmation },
        `Thank you! Order ${confirmation} is confirmed.`));
    }
    if (lines.length === 0) {
      root.append(el('p', { class: 'notice', 'data-testid': 'cart-empty' }, 'Your cart is empty. ',
        el('a', { href: '#/', text: 'Browse products' })));
      return root;
    }
    const currency = lines[0].product.currency;
    const total = lines.reduce((sum, l) => sum + l.product.price * l.quantity, 0);
    root.append(
      el('ul', { class: 'cart-lines', 'data-testid': 'cart-lines' }, lines.map(cartLine)),
      el('p', { class: 'cart-total' }, 'Total: ', el('strong', { 'data-testid': 'cart-total', text: formatPrice(total, currency) })),
      el('button', { type: 'button', class: 'button', 'data-testid': 'checkout', onclick: checkout }, 'Check out'));
    return root;
  }

  function cartLine({ product, quantity }) {
    const remove = () => {
      writeCart(readCart().filter((l) => l.id !== product.id));
      showView(cartView());
    };
    return el('li', { class: 'cart-line', 'data-product-id': product.id, 'data-quantity': quantity },
      el('a', { href: `#/product/${encodeURIComponent(product.id)}`, text: product.name }),
      el('span', { class: 'cart-qty', text: `× ${quantity}` }),
      el('span', { class: 'cart-price', text: formatPrice(product.price * quantity, product.currency) }),
      el('button', { type: 'button', class: 'link-button', 'aria-label': `Remove ${product.name}`, onclick: remove }, 'Remove'));
  }

  function checkout() {
    const lines = cartLines();
    if (lines.length === 0) return;
    const orderId = randomOrderId();
    sdk().track('Order Completed', {
      order_id: orderId,
      total: lines.reduce((sum, l) => sum + l.product.price * l.quantity, 0) / 100,
      currency: lines[0].product.currency,
      products: lines.map((l) => ({ product_id: l.product.id, sku: l.product.sku, price: l.product.price / 100, quantity: l.quantity })),
    });
    writeCart([]);
    showView(cartView(orderId));
  }

  // ---------- routing ----------

  function isRouteHash(hash) {
    return hash === '' || hash === '#' || hash.startsWith('#/');
  }

  function parseRoute() {
    let parts;
    try {
      parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    } catch (_) {
      parts = [];
    }
    if (parts[0] === 'product' && parts[1]) return { name: 'product', id: parts[1] };
    if (parts[0] === 'cart') return { name: 'cart' };
    if (parts[0] === 'category' && parts[1]) return { name: 'home', category: parts[1] };
    return { name: 'home' };
  }

  function showView(node, moveFocus = false) {
    const view = $('#view');
    view.replaceChildren(node);
    if (moveFocus) view.focus({ preventScroll: false });
  }

  function markActiveNav(route) {
    const active = route.name === 'cart' ? 'cart' : route.category || (route.name === 'home' ? 'home' : '');
    document.querySelectorAll('[data-nav]').forEach((link) => {
      if (link.dataset.nav === active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    });
  }

  // Renders the current hash route and sends exactly one page call (plus Product Viewed) for it.
  function renderRoute(moveFocus) {
    if (!state.catalogLoaded) return;
    const route = parseRoute();
    markActiveNav(route);
    if (route.name === 'product') {
      const product = findProduct(route.id);
      if (!product) {
        showView(notFoundView(), moveFocus);
        sdk().page('Not Found');
        return;
      }
      showView(productView(product), moveFocus);
      sdk().page(product.name, { category: product.category });
      sdk().track('Product Viewed', productProperties(product));
    } else if (route.name === 'cart') {
      showView(cartView(), moveFocus);
      sdk().page('Cart');
    } else {
      showView(homeView(route.category), moveFocus);
      sdk().page('Home', route.category ? { category: route.category } : {});
    }
  }

  // ---------- personalization ----------

  const HERO_VARIANTS = {
    cart: { headline: 'Still thinking it over? Your cart is waiting', cta: 'Go to your cart', href: '#/cart' },
    shoes: { headline: 'Find your next trail shoe — 15% off running shoes this week', cta: 'Shop running shoes', href: '#/category/shoes' },
    default: { headline: 'Gear up for the trail', cta: 'Shop all gear', href: '#/' },
  };

  function heroVariant(segments) {
    if (segments.includes('cart_abandoner')) return 'cart';
    if (segments.includes('browsing_shoes')) return 'shoes';
    return 'default';
  }

  function renderHero(segments) {
    const hero = $('[data-testid="hero"]');
    const variant = heroVariant(segments);
    const caption = `Personalized by enrich: segments ${segments.length ? segments.join(', ') : 'none yet'}`;
    const captionNode = $('[data-testid="hero-segments"]');
    // Only touch the DOM on change, so the live region does not re-announce identical content.
    if (hero.dataset.variant === variant && captionNode.textContent === caption) return;
    const copy = HERO_VARIANTS[variant];
    hero.dataset.variant = variant;
    $('[data-testid="hero-headline"]').textContent = copy.headline;
    const cta = $('[data-testid="hero-cta"]');
    cta.textContent = copy.cta;
    cta.setAttribute('href', copy.href);
    captionNode.textContent = caption;
  }

  function renderRecommendations(recommendations, unavailable = false) {
    const section = $('[data-testid="recommended"]');
    const list = $('[data-testid="recommended-list"]');
    const note = $('[data-testid="recommended-note"]');
    const items = unavailable ? [] : recommendations.slice(0, 4);
    section.dataset.state = unavailable ? 'unavailable' : items.length ? 'ready' : 'empty';
    note.textContent = unavailable ? 'Recommendations are unavailable right now.' : 'Browse a few products and we will suggest more.';
    note.hidden = items.length > 0;
    list.hidden = items.length === 0;
    list.replaceChildren(...items.map(productCard));
  }

  function applyPersonalization(doc) {
    const segments = Array.isArray(doc && doc.segments) ? doc.segments : [];
    const recommendations = Array.isArray(doc && doc.recommendations) ? doc.recommendations : [];
    renderHero(segments);
    renderRecommendations(recommendations);
  }

  function personalizationUnavailable() {
    renderHero([]);
    renderRecommendations([], true);
  }

  function personalizeQuery(anonymousId) {
    return new URLSearchParams({ anonymousId, writeKey: state.writeKey }).toString();
  }

  async function startPersonalization(anonymousId) {
    const query = personalizeQuery(anonymousId);
    try {
      const response = await fetch(`/v1/personalize?${query}`, { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      applyPersonalization(await response.json());
    } catch (_) {
      personalizationUnavailable();
      return;
    }
    // EventSource reconnects on its own; transient errors are deliberately ignored.
    const stream = new EventSource(`/v1/personalize/stream?${query}`);
    stream.addEventListener('personalization', (event) => {
      let doc = null;
      try { doc = JSON.parse(event.data); } catch (_) { return; } // skip a malformed message; the next one replaces it
      applyPersonalization(doc);
    });
  }

  function currentAnonymousId() {
    const analytics = sdk();
    const user = analytics && typeof analytics.user === 'function' ? analytics.user() : null;
    return user && typeof user.anonymousId === 'function' ? user.anonymousId() : null;
  }

  function connectPersonalization() {
    let settled = false;
    const giveUp = () => {
      if (!settled) personalizationUnavailable();
    };
    const timer = setTimeout(giveUp, READY_TIMEOUT_MS);
    loadAnalytics(state.writeKey, giveUp);
    sdk().ready(() => {
      const anonymousId = currentAnonymousId();
      if (settled || !anonymousId) return;
      settled = true;
      clearTimeout(timer);
      startPersonalization(anonymousId);
    });
  }

  // ---------- boot ----------

  async function loadCatalog() {
    const response = await fetch('/demo/shop/catalog.json', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const catalog = await response.json();
    state.writeKey = typeof catalog.writeKey === 'string' ? catalog.writeKey : '';
    state.products = Array.isArray(catalog.products) ? catalog.products.filter((p) => p && p.id) : [];
    state.catalogLoaded = true;
  }

  async function start() {
    installAnalyticsStub();
    renderCartCount();
    // Only "#/…" hashes are routes; anything else (e.g. an in-page anchor) must not re-render or re-track.
    window.addEventListener('hashchange', () => {
      if (isRouteHash(location.hash)) renderRoute(true);
    });
    $('.skip-link').addEventListener('click', (event) => {
      event.preventDefault();
      $('#view').focus();
    });
    try {
      await loadCatalog();
    } catch (_) {
      showView(el('p', { class: 'notice', 'data-testid': 'catalog-error', text: 'The shop could not load its catalog. Please try reloading the page.' }));
      personalizationUnavailable();
      return;
    }
    if (state.writeKey) connectPersonalization();
    else personalizationUnavailable();
    renderRoute(false);
  }

  start();
})();
