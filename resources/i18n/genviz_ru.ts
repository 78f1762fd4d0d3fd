<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
<context>
    <name>Compare</name>
    <message>
        <location filename="../../gui/compare.py" line="82"/>
        <source>no timeline: only its curves are compared</source>
        <translation>нет временной шкалы: сравниваются только его кривые</translation>
    </message>
    <message>
        <location filename="../../gui/compare.py" line="87"/>
        <source>its timeline could not be read ({})</source>
        <translation>его временную шкалу не удалось прочитать ({})</translation>
    </message>
    <message>
        <location filename="../../gui/compare.py" line="175"/>
        <source>nothing recorded at or before step {:,}</source>
        <translation>до шага {:,} включительно ничего не записано</translation>
    </message>
    <message>
        <location filename="../../gui/compare.py" line="186"/>
        <source>at step {:,} (this run: {:,}; it has run {:,})</source>
        <translation>на шаге {:,} (этот прогон: {:,}; всего шагов в нём: {:,})</translation>
    </message>
</context>
<context>
    <name>DownloadDialog</name>
    <message>
        <location filename="../../gui/download_dialog.py" line="19"/>
        <source>Downloading Fashion-MNIST (about 30 MB, once)…</source>
        <translation>Загрузка Fashion-MNIST (около 30 МБ, один раз)…</translation>
    </message>
    <message>
        <location filename="../../gui/download_dialog.py" line="19"/>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <location filename="../../gui/download_dialog.py" line="27"/>
        <source>Downloading Fashion-MNIST: {}
{:.1f} of {:.1f} MB</source>
        <translation>Загрузка Fashion-MNIST: {}
{:.1f} из {:.1f} МБ</translation>
    </message>
    <message>
        <location filename="../../gui/download_dialog.py" line="29"/>
        <source>Downloading {}: {:.1f} MB</source>
        <translation>Загрузка {}: {:.1f} МБ</translation>
    </message>
</context>
<context>
    <name>DrawPoints</name>
    <message>
        <location filename="../../gui/draw_points.py" line="136"/>
        <source>Draw your own 2-D points</source>
        <translation>Нарисуйте свои точки на плоскости</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="165"/>
        <source>Standard deviation of the noise added to each point sprayed along a stroke</source>
        <translation>Стандартное отклонение шума, добавляемого к каждой точке, распыляемой вдоль штриха</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="174"/>
        <source>Undo stroke</source>
        <translation>Отменить штрих</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="175"/>
        <source>Remove the last click or stroke (Ctrl+Z)</source>
        <translation>Удалить последний щелчок или штрих (Ctrl+Z)</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="178"/>
        <source>Clear</source>
        <translation>Очистить</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="180"/>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="182"/>
        <source>Use these points</source>
        <translation>Использовать эти точки</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="187"/>
        <source>Click to add a point; drag to spray points along the stroke. Points stay inside the dashed square [−{0:g}, {0:g}]².</source>
        <translation>Щелчок добавляет точку; протяжка распыляет точки вдоль штриха. Точки остаются внутри пунктирного квадрата [−{0:g}, {0:g}]².</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="191"/>
        <source>brush spread</source>
        <translation>разброс кисти</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="256"/>
        <source>That is the most this dialog keeps ({} points).</source>
        <translation>Больше точек это окно не хранит ({}).</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="258"/>
        <source>Draw inside the dashed square [−{0:g}, {0:g}]².</source>
        <translation>Рисуйте внутри пунктирного квадрата [−{0:g}, {0:g}]².</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="273"/>
        <source>{} points</source>
        <translation>точек: {}</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="274"/>
        <source>(at least {} to use)</source>
        <translation>(нужно не меньше {})</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="276"/>
        <source>Draw at least {} points first</source>
        <translation>Сначала нарисуйте не меньше {} точек</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="284"/>
        <source>Draw at least {} points first (there are {}).</source>
        <translation>Сначала нарисуйте не меньше {} точек (сейчас {}).</translation>
    </message>
    <message>
        <location filename="../../gui/draw_points.py" line="290"/>
        <source>Could not save the points in {}: {}</source>
        <translation>Не удалось сохранить точки в {}: {}</translation>
    </message>
</context>
<context>
    <name>Events</name>
    <message>
        <location filename="../../gui/event_text.py" line="18"/>
        <source>saved step {} to {}</source>
        <translation>сохранён шаг {} в {}</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="19"/>
        <source>{} became NaN or infinite at step {}; restored step {} and paused. Try a lower learning rate.</source>
        <translation>{}: значение стало NaN или бесконечным на шаге {}; восстановлен шаг {}, обучение на паузе. Попробуйте уменьшить скорость обучения.</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="21"/>
        <source>out of memory at step {}; restored step {} and paused. Try a smaller batch size.</source>
        <translation>не хватило памяти на шаге {}; восстановлен шаг {}, обучение на паузе. Попробуйте уменьшить размер батча.</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="22"/>
        <source>attached to {}</source>
        <translation>подключено к {}</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="23"/>
        <source>lost the engine at {}; reconnecting</source>
        <translation>потеряна связь с движком {}; переподключение</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="24"/>
        <source>cannot reach the engine at {}</source>
        <translation>движок {} недоступен</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="25"/>
        <source>The training engine stopped answering and was ended.</source>
        <translation>Движок обучения перестал отвечать и был остановлен.</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="26"/>
        <source>The training engine exited with code {}.</source>
        <translation>Движок обучения завершился с кодом {}.</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="27"/>
        <source>The training engine was killed ({}, perhaps out of memory).</source>
        <translation>Движок обучения был убит ({}; возможно, не хватило памяти).</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="28"/>
        <source>The training engine was killed ({}).</source>
        <translation>Движок обучения был убит ({}).</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="29"/>
        <source>an attached run&apos;s timeline starts when the window attached</source>
        <translation>временная шкала подключённого прогона начинается с момента подключения окна</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="30"/>
        <source>receiving the engine&apos;s timeline</source>
        <translation>получение временной шкалы движка</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="31"/>
        <source>receiving the engine&apos;s timeline ({} of {} parts)</source>
        <translation>получение временной шкалы движка (часть {} из {})</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="32"/>
        <source>this run has no timeline ({} is missing): past steps cannot be shown</source>
        <translation>у этого прогона нет временной шкалы (нет файла {}): прошлые шаги показать нельзя</translation>
    </message>
    <message>
        <location filename="../../gui/event_text.py" line="33"/>
        <source>the run&apos;s timeline could not be read, so past steps cannot be shown: {}</source>
        <translation>временную шкалу прогона не удалось прочитать, поэтому прошлые шаги показать нельзя: {}</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <location filename="../../gui/export_dialog.py" line="20"/>
        <source>PNG picture (*.png)</source>
        <translation>Изображение PNG (*.png)</translation>
    </message>
    <message>
        <location filename="../../gui/export_dialog.py" line="20"/>
        <source>SVG drawing (*.svg)</source>
        <translation>Рисунок SVG (*.svg)</translation>
    </message>
    <message>
        <location filename="../../gui/export_dialog.py" line="20"/>
        <source>Animated GIF (*.gif)</source>
        <translation>Анимация GIF (*.gif)</translation>
    </message>
    <message>
        <location filename="../../gui/export_dialog.py" line="21"/>
        <source>MP4 film (*.mp4)</source>
        <translation>Видео MP4 (*.mp4)</translation>
    </message>
    <message>
        <location filename="../../gui/export_dialog.py" line="21"/>
        <source>CSV table (*.csv)</source>
        <translation>Таблица CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../../gui/export_dialog.py" line="27"/>
        <source>Export:</source>
        <translation>Экспорт:</translation>
    </message>
    <message>
        <location filename="../../gui/export_dialog.py" line="58"/>
        <source>Writing {}…</source>
        <translation>Запись {}…</translation>
    </message>
    <message>
        <location filename="../../gui/export_dialog.py" line="58"/>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <location filename="../../gui/export_dialog.py" line="60"/>
        <source>Export</source>
        <translation>Экспорт</translation>
    </message>
    <message>
        <location filename="../../gui/export_dialog.py" line="90"/>
        <source>Wrote {} ({} frames) in {:.1f} s</source>
        <translation>Записан файл {} (кадров: {}) за {:.1f} с</translation>
    </message>
    <message>
        <location filename="../../gui/export_dialog.py" line="97"/>
        <source>Export cancelled: {} was not written</source>
        <translation>Экспорт отменён: {} не записан</translation>
    </message>
</context>
<context>
    <name>Formulas</name>
    <message>
        <location filename="../../gui/panels/formulas.py" line="17"/>
        <source>The ELBO, maximised. Values: the newest training batch, per example (nats).</source>
        <translation>ELBO, которую максимизируют. Значения: последний обучающий батч, на один пример (в натах).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="18"/>
        <source>The KL term in closed form, summed over the latent dimensions j.</source>
        <translation>Слагаемое KL в замкнутой форме, просуммированное по латентным измерениям j.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="19"/>
        <source>The encoder q(z|x) and the decoder p(x|z).</source>
        <translation>Кодировщик q(z|x) и декодировщик p(x|z).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="20"/>
        <source>The loss: real data is class 1, G(z) is class 0. Values: the newest step; D(·) as batch means.</source>
        <translation>Функция потерь: реальные данные — класс 1, G(z) — класс 0. Значения: последний шаг; D(·) — средние по батчу.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="21"/>
        <source>D minimises L, G maximises it.</source>
        <translation>D минимизирует L, G её максимизирует.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="22"/>
        <source>G&apos;s loss in this run (minimax, as in L): G minimises</source>
        <translation>Функция потерь G в этом прогоне (минимаксная, как в L): G минимизирует</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="23"/>
        <source>G&apos;s loss in this run (non-saturating): G minimises</source>
        <translation>Функция потерь G в этом прогоне (ненасыщающая): G минимизирует</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="24"/>
        <source>G&apos;s loss in this run (a critic score, not a probability): G minimises</source>
        <translation>Функция потерь G в этом прогоне (оценка критика, а не вероятность): G минимизирует</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="25"/>
        <source>When D wins, L saturates at 0 and the minimax G&apos;s gradient vanishes.</source>
        <translation>Когда D побеждает, L насыщается в 0, и градиент минимаксного G затухает.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="26"/>
        <source>This run trains with gan.loss = {loss}: D outputs a critic score, not a probability, so it does not minimise L(D, G) above.</source>
        <translation>Этот прогон обучается с gan.loss = {loss}: D выдаёт оценку критика, а не вероятность, поэтому он не минимизирует L(D, G) выше.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="28"/>
        <source>Change of variables. Values: the log of each factor, the newest batch&apos;s mean (nats).</source>
        <translation>Теорема о замене переменных. Значения: логарифм каждого множителя, среднее по последнему батчу (в натах).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="29"/>
        <source>Affine coupling: the first d coordinates pass through; the rest are scaled by exp(s) and shifted by t.</source>
        <translation>Аффинный связующий слой: первые d координат проходят без изменений; остальные умножаются на exp(s) и сдвигаются на t.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="30"/>
        <source>Its Jacobian is block triangular,</source>
        <translation>Его якобиан блочно-треугольный,</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="31"/>
        <source>so its determinant is the product of the diagonal. Value: Σ s over all couplings.</source>
        <translation>поэтому определитель равен произведению диагональных элементов. Значение: Σ s по всем связующим слоям.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="32"/>
        <source>The inverse is exact and as cheap: s and t are never inverted.</source>
        <translation>Обратное преобразование точное и столь же дешёвое: s и t обращать не нужно.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="33"/>
        <source>Images: the negative log-likelihood in bits per dimension.</source>
        <translation>Изображения: отрицательное логарифмическое правдоподобие в битах на измерение.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="39"/>
        <source>values at step {step:,}</source>
        <translation>значения на шаге {step:,}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formulas.py" line="40"/>
        <source>values appear after the first step</source>
        <translation>значения появятся после первого шага</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gui/main_window.py" line="66"/>
        <source>Loading PyTorch and building the model…</source>
        <translation>Загрузка PyTorch и построение модели…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="68"/>
        <location filename="../../gui/main_window.py" line="165"/>
        <source>Reset</source>
        <translation>Сброс</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="69"/>
        <location filename="../../gui/main_window.py" line="413"/>
        <source>Train from scratch</source>
        <translation>Обучить заново</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="70"/>
        <location filename="../../gui/main_window.py" line="494"/>
        <source>Attach</source>
        <translation>Подключиться</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="70"/>
        <location filename="../../gui/main_window.py" line="164"/>
        <location filename="../../gui/main_window.py" line="528"/>
        <source>Load</source>
        <translation>Открыть</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="71"/>
        <source>idle</source>
        <translation>ожидание</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="71"/>
        <source>running</source>
        <translation>обучение</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="72"/>
        <source>paused</source>
        <translation>пауза</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="72"/>
        <source>stopped</source>
        <translation>остановлено</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="73"/>
        <source>dead</source>
        <translation>движок остановлен</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="101"/>
        <location filename="../../gui/main_window.py" line="239"/>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="152"/>
        <source>Training</source>
        <translation>Обучение</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="158"/>
        <location filename="../../gui/main_window.py" line="410"/>
        <source>Train</source>
        <translation>Обучать</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="159"/>
        <location filename="../../gui/main_window.py" line="733"/>
        <source>Pause</source>
        <translation>Пауза</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="160"/>
        <source>Step</source>
        <translation>Шаг</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="161"/>
        <source>Stop</source>
        <translation>Стоп</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="162"/>
        <location filename="../../gui/main_window.py" line="429"/>
        <location filename="../../gui/main_window.py" line="463"/>
        <location filename="../../gui/main_window.py" line="466"/>
        <location filename="../../gui/main_window.py" line="472"/>
        <location filename="../../gui/main_window.py" line="515"/>
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="163"/>
        <source>Save As…</source>
        <translation>Сохранить как…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="174"/>
        <source>&amp;Engine</source>
        <translation>&amp;Движок</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="175"/>
        <source>Attach to a remote engine…</source>
        <translation>Подключиться к удалённому движку…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="176"/>
        <source>Download the run from the engine…</source>
        <translation>Скачать прогон с движка…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="183"/>
        <source>E&amp;xport</source>
        <translation>&amp;Экспорт</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="183"/>
        <source>Picture of a panel or the window (PNG, SVG)…</source>
        <translation>Изображение панели или окна (PNG, SVG)…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="185"/>
        <source>Film of the run&apos;s timeline (GIF, MP4)…</source>
        <translation>Фильм по временной шкале прогона (GIF, MP4)…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="186"/>
        <source>Metrics of this and the compared runs (CSV)…</source>
        <translation>Метрики этого и сравниваемых прогонов (CSV)…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="188"/>
        <source>&amp;Compare</source>
        <translation>&amp;Сравнение</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="188"/>
        <source>Compare with run…</source>
        <translation>Сравнить с прогоном…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="189"/>
        <source>Stop comparing</source>
        <translation>Закончить сравнение</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="203"/>
        <source>&amp;View</source>
        <translation>&amp;Вид</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="203"/>
        <source>Language (applies on restart)</source>
        <translation>Язык (после перезапуска)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="216"/>
        <source>The language changes when genviz is next opened.</source>
        <translation>Язык сменится при следующем запуске genviz.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="271"/>
        <location filename="../../gui/main_window.py" line="862"/>
        <source>device: {}</source>
        <translation>устройство: {}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="375"/>
        <source>Reached train.steps = {}; raise it to train on.</source>
        <translation>Достигнуто train.steps = {}; увеличьте его, чтобы обучать дальше.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="403"/>
        <source>{action} discards {n:,} unsaved training steps. Go on?</source>
        <translation>«{action}» отбросит несохранённые шаги обучения: {n:,}. Продолжить?</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="410"/>
        <source>This run stopped at step {:,}.</source>
        <translation>Этот прогон остановлен на шаге {:,}.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="412"/>
        <source>Continue from step {:,}</source>
        <translation>Продолжить с шага {:,}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="429"/>
        <source>Nothing to save yet: press Train first.</source>
        <translation>Пока нечего сохранять: сначала нажмите «Обучать».</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="432"/>
        <source>Save on the engine</source>
        <translation>Сохранить на движке</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="433"/>
        <source>Folder inside the engine&apos;s run folder:</source>
        <translation>Папка внутри папки прогонов движка:</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="457"/>
        <source>Save run as a new folder</source>
        <translation>Сохранить прогон в новую папку</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="458"/>
        <source>Run folder (*)</source>
        <translation>Папка прогона (*)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="463"/>
        <source>{} is a file: choose a name for a new folder.</source>
        <translation>{} — это файл: выберите имя для новой папки.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="467"/>
        <source>{} already holds other files: choose a name for a new folder.</source>
        <translation>В {} уже есть другие файлы: выберите имя для новой папки.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="472"/>
        <source>Could not make {}: {}</source>
        <translation>Не удалось создать {}: {}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="478"/>
        <source>Attach to an engine</source>
        <translation>Подключение к движку</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="479"/>
        <source>Engine address (as the engine printed it):</source>
        <translation>Адрес движка (как его напечатал движок):</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="483"/>
        <source>The engine&apos;s key file</source>
        <translation>Файл ключа движка</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="499"/>
        <source>Attaching to {}…</source>
        <translation>Подключение к {}…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="504"/>
        <source>Download</source>
        <translation>Скачать</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="504"/>
        <source>Download copies a remote engine&apos;s run folder; this window trains here. Use Save instead.</source>
        <translation>«Скачать» копирует папку прогона удалённого движка, а это окно обучает модель здесь. Воспользуйтесь «Сохранить».</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="507"/>
        <source>Download the run into folder</source>
        <translation>Скачать прогон в папку</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="515"/>
        <source>Could not save to {}: {}</source>
        <translation>Не удалось сохранить в {}: {}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="520"/>
        <source>Open a saved run folder</source>
        <translation>Открыть папку сохранённого прогона</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="531"/>
        <source>Loaded {} at step {}; press Train or Space to go on.</source>
        <translation>Открыт {} на шаге {}; нажмите «Обучать» или пробел, чтобы продолжить.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="560"/>
        <location filename="../../gui/main_window.py" line="580"/>
        <location filename="../../gui/main_window.py" line="592"/>
        <location filename="../../gui/main_window.py" line="601"/>
        <location filename="../../gui/main_window.py" line="622"/>
        <location filename="../../gui/main_window.py" line="627"/>
        <location filename="../../gui/main_window.py" line="635"/>
        <location filename="../../gui/main_window.py" line="642"/>
        <location filename="../../gui/main_window.py" line="655"/>
        <location filename="../../gui/main_window.py" line="668"/>
        <location filename="../../gui/main_window.py" line="675"/>
        <source>Export</source>
        <translation>Экспорт</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="560"/>
        <location filename="../../gui/main_window.py" line="601"/>
        <source>Nothing to export yet: no model is built.</source>
        <translation>Пока нечего экспортировать: модель не построена.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="562"/>
        <source>The whole window</source>
        <translation>Всё окно</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="563"/>
        <location filename="../../gui/main_window.py" line="566"/>
        <source>Export a picture</source>
        <translation>Экспорт изображения</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="580"/>
        <source>There is no panel named {!r} in this window.</source>
        <translation>В этом окне нет панели с именем {!r}.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="594"/>
        <source>Wrote {}</source>
        <translation>Записан файл {}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="603"/>
        <source>The whole set of panels</source>
        <translation>Все панели вместе</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="605"/>
        <source>Export a film of the run&apos;s timeline</source>
        <translation>Экспорт фильма по временной шкале прогона</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="608"/>
        <source>Export a film</source>
        <translation>Экспорт фильма</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="623"/>
        <source>A film is being written already ({}).</source>
        <translation>Фильм уже записывается ({}).</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="628"/>
        <source>Nothing recorded yet: a film shows the run&apos;s recorded steps; train first.</source>
        <translation>Пока ничего не записано: фильм показывает записанные шаги прогона; сначала обучите модель.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="636"/>
        <source>No panel named {!r}.</source>
        <translation>Нет панели с именем {!r}.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="658"/>
        <source>Export metrics</source>
        <translation>Экспорт метрик</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="668"/>
        <source>No metrics yet: train first.</source>
        <translation>Метрик пока нет: сначала обучите модель.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="670"/>
        <source>this run</source>
        <translation>этот прогон</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="677"/>
        <source>Wrote {} (1 run)</source>
        <translation>Записан файл {} (1 прогон)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="678"/>
        <source>Wrote {} ({} runs)</source>
        <translation>Записан файл {} (прогонов: {})</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="683"/>
        <source>Compare with run folder</source>
        <translation>Сравнить с папкой прогона</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="692"/>
        <source>Compare</source>
        <translation>Сравнение</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="697"/>
        <source>genviz: compared runs</source>
        <translation>genviz: сравниваемые прогоны</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="703"/>
        <source>Comparing with {} (step {:,})</source>
        <translation>Сравнение с {} (шаг {:,})</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="733"/>
        <source>Resume</source>
        <translation>Продолжить</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="744"/>
        <source>Training paused</source>
        <translation>Обучение приостановлено</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="744"/>
        <source>Training error</source>
        <translation>Ошибка обучения</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="857"/>
        <source>step {:,}</source>
        <translation>шаг {:,}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="858"/>
        <source>{:,.0f} steps/s</source>
        <translation>{:,.0f} шагов/с</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="875"/>
        <source>Reopen the last save ({}) to carry on from it.</source>
        <translation>Откройте последнее сохранение ({}), чтобы продолжить с него.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="876"/>
        <source>Unsaved steps are lost; press Reset to start a new engine.</source>
        <translation>Несохранённые шаги потеряны; нажмите «Сброс», чтобы запустить новый движок.</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="879"/>
        <source>Training engine stopped</source>
        <translation>Движок обучения остановился</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="884"/>
        <source>Reopen last save</source>
        <translation>Открыть последнее сохранение</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="894"/>
        <source>Training in progress</source>
        <translation>Идёт обучение</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="894"/>
        <source>Unsaved training</source>
        <translation>Несохранённое обучение</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="895"/>
        <source>Save this run before closing?</source>
        <translation>Сохранить этот прогон перед закрытием?</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="896"/>
        <source>{:,} training steps are not saved. Save this run before closing?</source>
        <translation>Не сохранено шагов обучения: {:,}. Сохранить этот прогон перед закрытием?</translation>
    </message>
</context>
<context>
    <name>Panels</name>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="39"/>
        <source>Lesson: change of variables</source>
        <translation>Урок: теорема о замене переменных</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="49"/>
        <source>area ratio</source>
        <translation>отношение площадей</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="51"/>
        <source>ratio / |det| − 1</source>
        <translation>отношение / |det| − 1</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="54"/>
        <source>area by the shoelace formula, ½|Σ (xᵢ yᵢ₊₁ − xᵢ₊₁ yᵢ)|, on f of 256 points of the square&apos;s boundary (half width {h:g}); log-det and Σ s from the layers at x; the gap over the 512 data points of the views.</source>
        <translation>площадь по формуле шнурования, ½|Σ (xᵢ yᵢ₊₁ − xᵢ₊₁ yᵢ)|, по образам f 256 точек границы квадрата (полуширина {h:g}); log-det и Σ s — из слоёв в точке x; расхождение — по 512 точкам данных на картах.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="56"/>
        <source>Waiting for the first snapshot: press Train (or Step).</source>
        <translation>Ждём первый снимок: нажмите «Обучать» (или «Шаг»).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="40"/>
        <source>Click a point x in the density view. f maps a small square around x to a small parallelogram whose area is |det ∂f/∂x| times larger: p_x(x) = p_z(f(x))·|det ∂f/∂x|. Each coupling&apos;s Jacobian is triangular with diagonal exp(s), so the couplings give exp(Σ s); a normalisation layer (ActNorm) multiplies in its own scales. &lt;b&gt;Pull f to the identity&lt;/b&gt;: weight decay shrinks the s and t networks, so s → 0 and t → 0. Watch the area ratio and exp(Σ s) fall to 1 together at every point and the density view turn into p_z = N(0, I). Release f and it learns the data again; the two sides of the change of variables agree all the while.</source>
        <translation>Щёлкните точку x на карте плотности. f переводит маленький квадрат вокруг x в маленький параллелограмм, площадь которого больше в |det ∂f/∂x| раз: p_x(x) = p_z(f(x))·|det ∂f/∂x|. Якобиан каждого связующего слоя треугольный с диагональю exp(s), поэтому связующие слои дают exp(Σ s); слой нормализации (ActNorm) домножает на свои масштабы. &lt;b&gt;Притяните f к тождественному отображению&lt;/b&gt;: L2-штраф весов сжимает сети s и t, так что s → 0 и t → 0. Смотрите, как отношение площадей и exp(Σ s) вместе падают до 1 в каждой точке, а карта плотности превращается в p_z = N(0, I). Отпустите f — и поток снова выучит данные; обе части теоремы о замене переменных всё это время совпадают.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="50"/>
        <source>|det ∂f/∂x|, all layers</source>
        <translation>|det ∂f/∂x|, все слои</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="52"/>
        <source>exp(Σ s), couplings only</source>
        <translation>exp(Σ s), только связующие слои</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="53"/>
        <source>weight decay now</source>
        <translation>L2-штраф весов сейчас</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="57"/>
        <source>The area ratio and |det ∂f/∂x| agree within {p:.2%}: the change of variables at work.</source>
        <translation>Отношение площадей и |det ∂f/∂x| совпадают с точностью до {p:.2%}: теорема о замене переменных в действии.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="58"/>
        <source>They differ by {p:.2%}: f bends strongly inside the square here.</source>
        <translation>Они различаются на {p:.2%}: здесь f сильно изгибается внутри квадрата.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="60"/>
        <source>No normalisation layers (as in the change-of-variables preset): the couplings are f&apos;s only layers, so |det ∂f/∂x| = exp(Σ s) and the area ratio agrees with exp(Σ s) too.</source>
        <translation>Слоёв нормализации нет (как в пресете «теорема о замене переменных»): у f есть только связующие слои, поэтому |det ∂f/∂x| = exp(Σ s), и отношение площадей совпадает и с exp(Σ s).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="62"/>
        <source>{norm} layers before the couplings: |det ∂f/∂x| = exp(Σ s) × their scales ({factor:.4g} here), so the area ratio agrees with |det ∂f/∂x|, not with exp(Σ s) alone. The change-of-variables preset turns them off.</source>
        <translation>Перед связующими слоями стоят слои {norm}: |det ∂f/∂x| = exp(Σ s) × их масштабы (здесь {factor:.4g}), поэтому отношение площадей совпадает с |det ∂f/∂x|, а не с одним exp(Σ s). Пресет «теорема о замене переменных» их отключает.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="66"/>
        <source>Weight decay {wd:g} pulls s and t towards 0: exp(Σ s) and the area ratio fall to 1 together, and the density turns into N(0, I).</source>
        <translation>L2-штраф весов {wd:g} тянет s и t к 0: exp(Σ s) и отношение площадей вместе падают до 1, а плотность превращается в N(0, I).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="68"/>
        <source>Pull f to the identity (weight decay {wd:g})</source>
        <translation>Притянуть f к тождественному отображению (L2-штраф {wd:g})</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="69"/>
        <source>Release f (weight decay 0)</source>
        <translation>Отпустить f (L2-штраф 0)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="119"/>
        <source>square − x</source>
        <translation>квадрат − x</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_lesson.py" line="120"/>
        <source>f(square) − f(x), same scale</source>
        <translation>f(квадрат) − f(x), тот же масштаб</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="30"/>
        <source>Negative log-likelihood</source>
        <translation>Отрицательное лог-правдоподобие</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="34"/>
        <source>nats per example</source>
        <translation>нат на пример</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="35"/>
        <source>NLL(x) = −log p_z(f(x)) − log|det ∂f/∂x|, from p_x(x) = p_z(f(x)) |det ∂f/∂x|. Training raises both terms&apos; sum; log|det ∂f/∂x| = Σ over couplings of Σ_j s(x_{1:d})_j.</source>
        <translation>NLL(x) = −log p_z(f(x)) − log|det ∂f/∂x|, из p_x(x) = p_z(f(x)) |det ∂f/∂x|. Обучение увеличивает сумму обоих слагаемых; log|det ∂f/∂x| = сумма Σ_j s(x_{1:d})_j по связующим слоям.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="43"/>
        <source>Bits per dimension</source>
        <translation>Биты на измерение</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="46"/>
        <source>bits per dimension</source>
        <translation>бит на измерение</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="47"/>
        <source>bits/dim = NLL / (D ln 2), D = C·H·W, for dequantised 8-bit pixels (x = (k + u)/256).</source>
        <translation>бит/изм = NLL / (D ln 2), D = C·H·W, для деквантованных 8-битных пикселей (x = (k + u)/256).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="53"/>
        <source>Jacobian check</source>
        <translation>Проверка якобиана</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="56"/>
        <source>max over 8 data points of | Σ_layers log|det J_k|  −  log|det ∂f/∂x| from autograd |. Each coupling&apos;s J is triangular with diagonal exp(s), so log|det J| = Σ_j s_j; above {tolerance:g} (red) a layer&apos;s log-det is wrong.</source>
        <translation>максимум по 8 точкам данных величины | Σ по слоям log|det J_k|  −  log|det ∂f/∂x| по автоматическому дифференцированию |. J каждого связующего слоя треугольная с диагональю exp(s), поэтому log|det J| = Σ_j s_j; выше {tolerance:g} (красный) log-det какого-то слоя неверен.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="91"/>
        <source>above {:g}: a log-det is wrong</source>
        <translation>выше {:g}: log-det неверен</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="92"/>
        <source>below {:g}: log-dets agree</source>
        <translation>ниже {:g}: log-det совпадают</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="99"/>
        <location filename="../../gui/panels/vae_panels.py" line="65"/>
        <source>Samples</source>
        <translation>Сэмплы</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="102"/>
        <source>x = f⁻¹(z), z ~ N(0, T² I): the same 16 codes z each snapshot, scaled by the temperature T. T &lt; 1 stays nearer the mode of p_z and trades variety for cleaner samples.</source>
        <translation>x = f⁻¹(z), z ~ N(0, T² I): одни и те же 16 кодов z в каждом снимке, умноженные на температуру T. При T &lt; 1 сэмплы ближе к моде p_z: меньше разнообразия, зато они чище.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="154"/>
        <source>z = f(x) of a test image, moved along the top {dims} principal directions of the codes f(x) of {n} test images: slider PC j adds c_j σ_j v_j (c_j from −3 to 3 spreads σ_j along v_j); the picture is x = f⁻¹(z), on the GUI&apos;s copy of the inverse flow while training runs. Zero returns to the test image; Random draws every c_j ~ N(0, 1).</source>
        <translation>z = f(x) тестового изображения, сдвинутый вдоль {dims} главных направлений кодов f(x) тестовых изображений ({n}): ползунок PC j добавляет c_j σ_j v_j (c_j от −3 до 3 охватывает разброс σ_j вдоль v_j); картинка — x = f⁻¹(z), считается на копии обратного потока в окне, пока идёт обучение. «Ноль» возвращает к тестовому изображению; «Случайный z» выбирает каждый c_j ~ N(0, 1).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="163"/>
        <source>the first</source>
        <translation>первые</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="172"/>
        <source>the test image whose code z = f(x) the sliders start from</source>
        <translation>тестовое изображение, от кода z = f(x) которого отсчитываются ползунки</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="175"/>
        <source>start from test image #</source>
        <translation>начать с тестового изображения №</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="208"/>
        <location filename="../../gui/panels/latent_sliders.py" line="37"/>
        <source>Latent sliders</source>
        <translation>Латентные ползунки</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="231"/>
        <source>Here z₀ = f(x_a), z₁ = f(x_b) for two test images.</source>
        <translation>Здесь z₀ = f(x_a), z₁ = f(x_b) для двух тестовых изображений.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="241"/>
        <source>end points: random z until the first snapshot</source>
        <translation>концы: случайные z до первого снимка</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_panels.py" line="261"/>
        <source>from test image #{} to test image #{}</source>
        <translation>от тестового изображения №{} до тестового изображения №{}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="115"/>
        <source>Learned density p_x(x)</source>
        <translation>Выученная плотность p_x(x)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="117"/>
        <source>p_x(x) = p_z(f(x)) |det ∂f/∂x|,  p_z = N(0, I): the flow&apos;s density on a 48×48 grid (white = 0, dark = high; levels fixed per snapshot at the 99.5th percentile). Dots: data x.</source>
        <translation>p_x(x) = p_z(f(x)) |det ∂f/∂x|,  p_z = N(0, I): плотность потока на сетке 48×48 (белый = 0, тёмный = высокая; уровни задаются для каждого снимка по 99,5-му процентилю). Точки: данные x.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="119"/>
        <location filename="../../gui/panels/flow_views.py" line="198"/>
        <location filename="../../gui/panels/flow_views.py" line="302"/>
        <location filename="../../gui/panels/vae_views.py" line="308"/>
        <source>data x</source>
        <translation>данные x</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="119"/>
        <source>samples f⁻¹(z)</source>
        <translation>сэмплы f⁻¹(z)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="119"/>
        <source>density</source>
        <translation>плотность</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="167"/>
        <source>Forward map z = f(x)</source>
        <translation>Прямое отображение z = f(x)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="169"/>
        <source>z = f(x): the data pushed through every coupling, z_{1:d} = x_{1:d}, z_{d+1:D} = x_{d+1:D} ⊙ exp(s(x_{1:d})) + t(x_{1:d}). Each point keeps its colour from x. Circles: N(0, I) at 1, 2, 3 σ, where a trained flow puts 39%, 86%, 99% of the points.</source>
        <translation>z = f(x): данные, пропущенные через все связующие слои, z_{1:d} = x_{1:d}, z_{d+1:D} = x_{d+1:D} ⊙ exp(s(x_{1:d})) + t(x_{1:d}). Каждая точка сохраняет свой цвет из x. Окружности: N(0, I) на 1, 2, 3 σ, внутри которых обученный поток держит 39%, 86%, 99% точек.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="172"/>
        <source>1, 2, 3 σ circles</source>
        <translation>окружности 1, 2, 3 σ</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="193"/>
        <source>Inverse map x = f⁻¹(z)</source>
        <translation>Обратное отображение x = f⁻¹(z)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="195"/>
        <source>x = f⁻¹(z), the couplings undone last to first: x_{d+1:D} = (z_{d+1:D} − t(x_{1:d})) ⊙ exp(−s(x_{1:d})). Lines: a regular grid in z ∈ [−3, 3]² pulled back; orange: z ~ N(0, I) pulled back (samples of p_x).</source>
        <translation>x = f⁻¹(z), связующие слои отменяются от последнего к первому: x_{d+1:D} = (z_{d+1:D} − t(x_{1:d})) ⊙ exp(−s(x_{1:d})). Линии: регулярная сетка в z ∈ [−3, 3]², перенесённая обратно; оранжевые: z ~ N(0, I), перенесённые обратно (сэмплы p_x).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="198"/>
        <source>z grid</source>
        <translation>сетка z</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="222"/>
        <source>Layer by layer</source>
        <translation>Слой за слоем</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="224"/>
        <source>h_k = f_k(h_{k−1}), h_0 = x, h_L = z. A coupling moves each point along one axis only (it keeps x_{1:d}); grey segments join each point&apos;s place before and after layer k.</source>
        <translation>h_k = f_k(h_{k−1}), h_0 = x, h_L = z. Связующий слой двигает точку лишь вдоль одной оси (x_{1:d} не меняется); серые отрезки — точка до и после слоя k.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="226"/>
        <source>moves in this layer</source>
        <translation>сдвиги в этом слое</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="238"/>
        <source>one layer back, towards x</source>
        <translation>на слой назад, к x</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="241"/>
        <source>one layer on, towards z</source>
        <translation>на слой вперёд, к z</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="273"/>
        <source>h0 = x (data)</source>
        <translation>h0 = x (данные)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="275"/>
        <source>(keeps </source>
        <translation>(сохраняет </translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="276"/>
        <source>h{k} after layer {k}/{last}: {name}</source>
        <translation>h{k}, слой {k}/{last}: {name}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="298"/>
        <source>log|det ∂f/∂x| map</source>
        <translation>Карта log|det ∂f/∂x|</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="300"/>
        <source>log|det ∂f/∂x| = Σ over couplings of Σ_j s(x_{1:d})_j (plus the norm layers&apos; terms). Red: f stretches space there, so p_x is raised above p_z(f(x)); blue: f squeezes it.</source>
        <translation>log|det ∂f/∂x| = сумма Σ_j s(x_{1:d})_j по связующим слоям (плюс вклад слоёв нормировки). Красный: здесь f растягивает пространство, поэтому p_x выше p_z(f(x)); синий: f его сжимает.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="323"/>
        <source>colours span ±{:.2f} nats</source>
        <translation>цвета охватывают ±{:.2f} нат</translation>
    </message>
    <message>
        <location filename="../../gui/panels/formula_panel.py" line="22"/>
        <source>Formulas</source>
        <translation>Формулы</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="19"/>
        <source>Losses</source>
        <translation>Функции потерь</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="21"/>
        <source>D loss  L(D,G)</source>
        <translation>функция потерь D  L(D,G)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="21"/>
        <source>G loss</source>
        <translation>функция потерь G</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="22"/>
        <source>loss</source>
        <translation>потери</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="23"/>
        <source>L(D, G) = −(1/n) Σ log D(xᵢ) − (1/n) Σ log(1 − D(G(zᵢ))); D minimises L. minimax: G minimises (1/n) Σ log(1 − D(G(z))), which flattens as D wins (L → 0). non-saturating: G minimises −(1/n) Σ log D(G(z)).</source>
        <translation>L(D, G) = −(1/n) Σ log D(xᵢ) − (1/n) Σ log(1 − D(G(zᵢ))); D минимизирует L. Минимакс: G минимизирует (1/n) Σ log(1 − D(G(z))), плоскую при победе D (L → 0). Ненасыщающая: G минимизирует −(1/n) Σ log D(G(z)).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="30"/>
        <source>Generator gradient norm</source>
        <translation>Норма градиента генератора</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="34"/>
        <source>gradient norm</source>
        <translation>норма градиента</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="35"/>
        <source>When D separates real from fake perfectly, D(G(z)) → 0 and the minimax generator&apos;s gradient vanishes.</source>
        <translation>Когда D идеально отделяет настоящие данные от поддельных, D(G(z)) → 0, и градиент минимаксного генератора затухает.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="42"/>
        <source>Discriminator outputs</source>
        <translation>Выходы дискриминатора</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="44"/>
        <source>mean D(x), real</source>
        <translation>среднее D(x), настоящие</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="44"/>
        <source>mean D(G(z)), fake</source>
        <translation>среднее D(G(z)), поддельные</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="47"/>
        <source>D(x) = sigmoid(logit): 1 = judged real, 0 = judged fake (raw critic values for WGAN-GP).</source>
        <translation>D(x) = σ(логит): 1 — признан настоящим, 0 — признан поддельным (для WGAN-GP — сырые значения критика).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="53"/>
        <location filename="../../gui/panels/gan_image_panels.py" line="74"/>
        <location filename="../../gui/panels/gan_image_panels.py" line="140"/>
        <source>D output</source>
        <translation>выход D</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="54"/>
        <location filename="../../gui/panels/gan_quality.py" line="28"/>
        <source>fraction</source>
        <translation>доля</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="62"/>
        <source>histogram of D(x), real</source>
        <translation>гистограмма D(x), настоящие</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_history.py" line="62"/>
        <source>of D(G(z)), fake</source>
        <translation>D(G(z)), поддельные</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="30"/>
        <source>Samples G(z)</source>
        <translation>Сэмплы G(z)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="33"/>
        <source>G(z) for 64 fixed z ~ N(0, I): the same z at every snapshot, so only G changes. Mode collapse shows as many tiles drawing the same digit.</source>
        <translation>G(z) для 64 фиксированных z ~ N(0, I): в каждом снимке те же z, меняется только G. Схлопывание мод видно, когда многие клетки рисуют одну и ту же цифру.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="40"/>
        <source>press Train: G(z) appears here</source>
        <translation>нажмите «Обучать»: здесь появится G(z)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="52"/>
        <source>G(z), {} fixed z, at step {:,}</source>
        <translation>G(z), фиксированных z: {}, шаг {:,}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="61"/>
        <source>D(x) and D(G(z)) over time</source>
        <translation>D(x) и D(G(z)) во времени</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="64"/>
        <source>Each column: histograms of D(x) (blue, 128 fixed real x) and D(G(z)) (orange, 128 fixed z) at one snapshot, newest at the right; darker = more samples. D wins when blue sits at 1 and orange at 0.</source>
        <translation>Каждый столбец — гистограммы D(x) (синие, 128 фиксированных настоящих x) и D(G(z)) (оранжевые, 128 фиксированных z) в одном снимке, новейшие справа; темнее — больше сэмплов. D побеждает, когда синее у 1, а оранжевое у 0.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="76"/>
        <source>snapshots ago</source>
        <translation>снимков назад</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="84"/>
        <source>share now</source>
        <translation>доля сейчас</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="99"/>
        <source>real D(x)</source>
        <translation>настоящие D(x)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="99"/>
        <source>generated D(G(z))</source>
        <translation>сгенерированные D(G(z))</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="101"/>
        <source>both</source>
        <translation>оба</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="140"/>
        <source>critic value</source>
        <translation>значение критика</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="148"/>
        <source>steps {:,} → {:,}</source>
        <translation>шаги {:,} → {:,}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="164"/>
        <source>Classes of the samples</source>
        <translation>Классы сэмплов</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="167"/>
        <source>f(y): share of 256 samples the classifier puts in class y.  KL(f ‖ U) = Σ_y f(y) log(10 f(y)).  score = exp(mean_x KL(p(y|x) ‖ p(y))), p(y) = mean_x p(y|x); 10 = confident and balanced.</source>
        <translation>f(y): доля 256 сэмплов в классе y.  KL(f ‖ U) = Σ_y f(y) log(10 f(y)).  Оценка = exp(E_x KL(p(y|x) ‖ p(y))), p(y) = E_x p(y|x); 10 — уверенно и ровно.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="174"/>
        <source>class y</source>
        <translation>класс y</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="175"/>
        <source>share</source>
        <translation>доля</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="185"/>
        <source>uniform 10%</source>
        <translation>равномерно 10%</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="211"/>
        <source>No class histogram yet: the classifier that judges the samples is trained once, on first use, and cached (progress in the status bar). Only MNIST and Fashion-MNIST have one.</source>
        <translation>Гистограммы классов пока нет: классификатор сэмплов обучается один раз и сохраняется (ход — в строке состояния). Он есть только для MNIST и Fashion-MNIST.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="225"/>
        <source>KL(f ‖ U) = {kl:.3f} nats · score = {score:.2f} of 10 · under 5%: {dropped}</source>
        <translation>KL(f ‖ U) = {kl:.3f} нат · оценка = {score:.2f} из 10 · меньше 5%: {dropped}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="227"/>
        <source>none</source>
        <translation>нет</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="231"/>
        <source>G(z): sliders set a block of {dims} of z&apos;s dimensions (pick the block with the spin box), the others keep their values; decoded on the window&apos;s copy of G while training runs.</source>
        <translation>G(z): ползунки задают блок из {dims} измерений z (блок выбирается счётчиком), остальные сохраняют значения; G(z) считается на копии G в окне, пока идёт обучение.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="244"/>
        <source>Latent sliders → G(z)</source>
        <translation>Латентные ползунки → G(z)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_image_panels.py" line="256"/>
        <source>Interpolation G(z_t)</source>
        <translation>Интерполяция G(z_t)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="21"/>
        <location filename="../../gui/panels/vae_lesson.py" line="26"/>
        <source>after step 1</source>
        <translation>после шага 1</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="24"/>
        <source>When D separates real from fake perfectly, D(x) → 1 and D(G(z)) → 0, so &lt;b&gt;L(D, G) → 0&lt;/b&gt;. With D(G(z)) = σ(a), a = D&apos;s logit: the &lt;b&gt;minimax&lt;/b&gt; G minimises log(1 − σ(a)), whose slope −σ(a) = −D(G(z)) → 0, so &lt;b&gt;G&apos;s gradient vanishes&lt;/b&gt; just when G is worst. The &lt;b&gt;non-saturating&lt;/b&gt; G minimises −log σ(a): slope −(1 − σ(a)) → −1, still strong.</source>
        <translation>Когда D идеально отделяет настоящие данные от поддельных, D(x) → 1 и D(G(z)) → 0, поэтому &lt;b&gt;L(D, G) → 0&lt;/b&gt;. Пусть D(G(z)) = σ(a), где a — логит D. &lt;b&gt;Минимаксный&lt;/b&gt; G минимизирует log(1 − σ(a)), наклон которой −σ(a) = −D(G(z)) → 0: происходит &lt;b&gt;затухание градиентов&lt;/b&gt; G как раз тогда, когда G хуже всего. &lt;b&gt;Ненасыщающий&lt;/b&gt; G минимизирует −log σ(a): наклон −(1 − σ(a)) → −1, градиент остаётся сильным.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="33"/>
        <source>Lesson: the vanishing gradient</source>
        <translation>Урок: затухание градиентов</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="36"/>
        <source>L(D, G) = −mean log D(x) − mean log(1 − D(G(z))).  |∂ℓ_G/∂a| = D(G(z)) (minimax) or 1 − D(G(z)) (non-saturating). Values: the newest training step.</source>
        <translation>L(D, G) = −среднее log D(x) − среднее log(1 − D(G(z))).  |∂ℓ_G/∂a| = D(G(z)) (минимаксная) или 1 − D(G(z)) (ненасыщающая). Значения: последний шаг обучения.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="49"/>
        <source>mean D(G(z))</source>
        <translation>среднее D(G(z))</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="50"/>
        <source>|∂ℓ_G/∂a| minimax / non-sat.</source>
        <translation>|∂ℓ_G/∂a| минимакс. / ненас.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="50"/>
        <source>gan.loss now</source>
        <translation>gan.loss сейчас</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="62"/>
        <location filename="../../gui/panels/gan_lesson.py" line="112"/>
        <source>Switch G to non-saturating</source>
        <translation>Перевести G на ненасыщающую</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="113"/>
        <source>Switch G back to minimax</source>
        <translation>Вернуть G минимаксную</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="113"/>
        <source>Switch G to minimax</source>
        <translation>Перевести G на минимаксную</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="145"/>
        <source>no slope: D is a critic</source>
        <translation>наклона нет: D — критик</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="154"/>
        <location filename="../../gui/panels/vae_lesson.py" line="47"/>
        <source>No model yet: choose one in Settings and press Reset.</source>
        <translation>Модели пока нет: выберите её в настройках и нажмите «Сброс».</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="156"/>
        <source>Paused before the first step&apos;s metrics arrived: press Resume or Step to see the numbers.</source>
        <translation>Пауза наступила до прихода метрик первого шага: нажмите «Продолжить» или «Шаг», чтобы увидеть числа.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="158"/>
        <location filename="../../gui/panels/vae_lesson.py" line="50"/>
        <source>Training has started: the numbers appear when the first steps&apos; metrics arrive.</source>
        <translation>Обучение началось: числа появятся, когда придут метрики первых шагов.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="160"/>
        <location filename="../../gui/panels/vae_lesson.py" line="48"/>
        <source>Waiting for the engine to build the model; then press Train.</source>
        <translation>Ждём, пока движок построит модель; затем нажмите «Обучать».</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="161"/>
        <source>Press Train: D(G(z)), L_D and ‖∇G‖ appear after the first step.</source>
        <translation>Нажмите «Обучать»: D(G(z)), L_D и ‖∇G‖ появятся после первого шага.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="165"/>
        <source>minimax</source>
        <translation>минимаксная</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="166"/>
        <source>non-saturating</source>
        <translation>ненасыщающая</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="190"/>
        <source>gan.loss = {}: D outputs a raw critic score, not a probability, so this lesson&apos;s saturation does not apply. Switch to non-saturating to compare.</source>
        <translation>gan.loss = {}: D выдаёт сырую оценку критика, а не вероятность, поэтому насыщение из этого урока здесь не наступает. Для сравнения переключитесь на ненасыщающую функцию потерь.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="193"/>
        <source>The newest step has no finite D(G(z)): training diverged.</source>
        <translation>На последнем шаге D(G(z)) не конечно: обучение разошлось.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="197"/>
        <source>D wins: D(G(z)) ≈ 0, so the minimax G&apos;s slope D(G(z)) ≈ 0 and G barely moves. Switch G to non-saturating and watch ‖∇G‖ jump and the samples change.</source>
        <translation>D побеждает: D(G(z)) ≈ 0, поэтому наклон минимаксного G, D(G(z)), ≈ 0, и G почти не меняется. Переведите G на ненасыщающую функцию потерь и посмотрите, как подскочит ‖∇G‖ и изменятся сэмплы.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="199"/>
        <source>D does not win outright yet (D(G(z)) = {}): the minimax G still gets a usable gradient. If D(G(z)) falls towards 0, so does G&apos;s slope.</source>
        <translation>D пока не побеждает окончательно (D(G(z)) = {}): минимаксный G ещё получает полезный градиент. Если D(G(z)) упадёт к 0, вместе с ним упадёт и наклон G.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="203"/>
        <source>Switched to non-saturating: D still wins, but G&apos;s slope is now 1 − D(G(z)) ≈ 1, so ‖∇G‖ is back and G moves towards the data; D(G(z)) climbs as it does.</source>
        <translation>Переключено на ненасыщающую: D всё ещё побеждает, но наклон G теперь 1 − D(G(z)) ≈ 1, поэтому ‖∇G‖ вернулась и G движется к данным; D(G(z)) при этом растёт.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="205"/>
        <source>Switched to non-saturating: G learns again. D no longer rejects every sample, and G&apos;s slope 1 − D(G(z)) stays usable.</source>
        <translation>Переключено на ненасыщающую: G снова учится. D больше не отвергает все сэмплы, а наклон G, 1 − D(G(z)), остаётся полезным.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="208"/>
        <source>D wins, but the non-saturating G still gets a slope of about 1: it keeps learning.</source>
        <translation>D побеждает, но ненасыщающий G всё равно получает наклон около 1 и продолжает учиться.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_lesson.py" line="209"/>
        <source>G uses the non-saturating loss, so its slope 1 − D(G(z)) cannot vanish when D wins. The vanishing-gradient preset starts G on minimax to show the difference.</source>
        <translation>G использует ненасыщающую функцию потерь, поэтому его наклон 1 − D(G(z)) не затухает, когда D побеждает. Пресет затухания градиентов запускает G с минимаксной функцией потерь, чтобы показать разницу.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_quality.py" line="25"/>
        <source>Sample quality</source>
        <translation>Качество сэмплов</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_quality.py" line="26"/>
        <source>KL(real ‖ fake)</source>
        <translation>KL(настоящие ‖ поддельные)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_quality.py" line="26"/>
        <source>JS(real, fake)</source>
        <translation>JS(настоящие, поддельные)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_quality.py" line="27"/>
        <source>modes covered / all modes</source>
        <translation>покрытые моды / все моды</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_quality.py" line="27"/>
        <source>high-quality fraction</source>
        <translation>доля качественных</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_quality.py" line="28"/>
        <location filename="../../gui/panels/vae_views.py" line="31"/>
        <source>nats</source>
        <translation>нат</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_quality.py" line="28"/>
        <location filename="../../gui/panels/history_plot.py" line="98"/>
        <source>step</source>
        <translation>шаг</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_quality.py" line="29"/>
        <source>modes and high-quality fraction: only on ring8 and grid25 (their modes are known)</source>
        <translation>моды и доля качественных: только для ring8 и grid25 (их моды известны)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_quality.py" line="30"/>
        <source>p, q: histograms of 2,500 real and generated points on a 32 × 32 grid. KL(p ‖ q) = Σ p log(p/q); JS = ½KL(p ‖ m) + ½KL(q ‖ m), m = (p + q)/2: 0 for equal histograms, log 2 (dashed) for disjoint ones. High quality: within 3 std of the nearest mode.</source>
        <translation>p, q: гистограммы 2500 настоящих и сгенерированных точек на сетке 32 × 32. KL(p ‖ q) = Σ p log(p/q); JS = ½KL(p ‖ m) + ½KL(q ‖ m), m = (p + q)/2: 0 для одинаковых гистограмм, log 2 (пунктир) для непересекающихся. Качественная точка: в пределах 3 ст. откл. от ближайшей моды.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/gan_quality.py" line="48"/>
        <location filename="../../gui/panels/vae_lesson.py" line="140"/>
        <source>{} of {}</source>
        <translation>{} из {}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/history_plot.py" line="112"/>
        <source>log scale</source>
        <translation>лог. шкала</translation>
    </message>
    <message>
        <location filename="../../gui/panels/interpolation.py" line="15"/>
        <location filename="../../gui/panels/vae_panels.py" line="178"/>
        <source>Interpolation</source>
        <translation>Интерполяция</translation>
    </message>
    <message>
        <location filename="../../gui/panels/interpolation.py" line="18"/>
        <source>lerp: z_t = (1 − t) z₀ + t z₁.  slerp: z_t = sin((1 − t)Ω)/sin Ω · z₀ + sin(tΩ)/sin Ω · z₁, cos Ω = z₀·z₁ / (|z₀||z₁|); slerp keeps |z| where N(0, I) puts its mass.</source>
        <translation>lerp: z_t = (1 − t) z₀ + t z₁.  slerp: z_t = sin((1 − t)Ω)/sin Ω · z₀ + sin(tΩ)/sin Ω · z₁, cos Ω = z₀·z₁ / (|z₀||z₁|); slerp держит |z| там, где сосредоточена масса N(0, I).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/interpolation.py" line="27"/>
        <source>show path</source>
        <translation>показать путь</translation>
    </message>
    <message>
        <location filename="../../gui/panels/interpolation.py" line="34"/>
        <source>New end points</source>
        <translation>Новые концы</translation>
    </message>
    <message>
        <location filename="../../gui/panels/interpolation.py" line="38"/>
        <source>mode</source>
        <translation>способ</translation>
    </message>
    <message>
        <location filename="../../gui/panels/interpolation.py" line="39"/>
        <source>steps</source>
        <translation>шагов</translation>
    </message>
    <message>
        <location filename="../../gui/panels/latent_sliders.py" line="40"/>
        <source>z ~ N(0, I): each slider sets one coordinate of z; the marker shows the decoded point.</source>
        <translation>z ~ N(0, I): каждый ползунок задаёт одну координату z; маркер показывает декодированную точку.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/latent_sliders.py" line="89"/>
        <source>decoded: –</source>
        <translation>декодировано: –</translation>
    </message>
    <message>
        <location filename="../../gui/panels/latent_sliders.py" line="90"/>
        <source>Random z</source>
        <translation>Случайный z</translation>
    </message>
    <message>
        <location filename="../../gui/panels/latent_sliders.py" line="92"/>
        <source>Zero</source>
        <translation>Ноль</translation>
    </message>
    <message>
        <location filename="../../gui/panels/latent_sliders.py" line="99"/>
        <source>sliders for {} of {} dims, from z</source>
        <translation>{} из {} измерений, с z</translation>
    </message>
    <message>
        <location filename="../../gui/panels/latent_sliders.py" line="153"/>
        <source>decoded: ({})</source>
        <translation>декодировано: ({})</translation>
    </message>
    <message>
        <location filename="../../gui/panels/plane_view.py" line="49"/>
        <location filename="../../gui/panels/vae_views.py" line="282"/>
        <source>2-D view</source>
        <translation>Плоскость</translation>
    </message>
    <message>
        <location filename="../../gui/panels/plane_view.py" line="51"/>
        <source>Background: D(x) over the plane (blue = judged real, orange = judged fake, white: D = 0.5). Arrows: −∂L_G/∂x at generated points, where G&apos;s loss pushes them. Grid: G applied to a regular grid in (z₀, z₁).</source>
        <translation>Фон: D(x) на плоскости (синий — признано настоящим, оранжевый — признано поддельным, белый: D = 0,5). Стрелки: −∂L_G/∂x в сгенерированных точках, куда их толкает функция потерь G. Сетка: G, применённый к регулярной сетке в (z₀, z₁).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/plane_view.py" line="79"/>
        <source>real x</source>
        <translation>настоящие x</translation>
    </message>
    <message>
        <location filename="../../gui/panels/plane_view.py" line="79"/>
        <source>generated G(z)</source>
        <translation>сгенерированные G(z)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/plane_view.py" line="80"/>
        <source>G(z) of the sliders</source>
        <translation>G(z) ползунков</translation>
    </message>
    <message>
        <location filename="../../gui/panels/plane_view.py" line="82"/>
        <source>real</source>
        <translation>настоящие</translation>
    </message>
    <message>
        <location filename="../../gui/panels/plane_view.py" line="82"/>
        <source>generated</source>
        <translation>сгенерированные</translation>
    </message>
    <message>
        <location filename="../../gui/panels/plane_view.py" line="82"/>
        <source>D(x) map</source>
        <translation>карта D(x)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/plane_view.py" line="83"/>
        <source>gradient arrows</source>
        <translation>стрелки градиента</translation>
    </message>
    <message>
        <location filename="../../gui/panels/plane_view.py" line="83"/>
        <location filename="../../gui/panels/vae_views.py" line="314"/>
        <source>latent grid</source>
        <translation>латентная сетка</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="29"/>
        <source>Lesson: the two terms trade off (β)</source>
        <translation>Урок: компромисс двух слагаемых (β)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="31"/>
        <source>The loss is &lt;b&gt;recon + β·KL&lt;/b&gt;: recon = −log p(x|z) pulls q(z|x) towards codes that describe x; KL(q(z|x) ‖ N(0, I)) pulls every q(z|x) towards the prior. β = 1 is the ELBO. &lt;b&gt;Raise β&lt;/b&gt; and the KL wins: KL per dimension falls until dimensions collapse (q(zⱼ|x) = N(0, 1) for every x), reconstructions blur and samples from the prior look more like the data. &lt;b&gt;Lower β to 0&lt;/b&gt; and only recon counts: reconstructions sharpen, the codes leave the prior, and decoder(z) for z ~ N(0, I) turns to noise.</source>
        <translation>Функция потерь — &lt;b&gt;реконструкция + β·KL&lt;/b&gt;: реконструкция = −log p(x|z) тянет q(z|x) к кодам, которые описывают x; регуляризатор KL(q(z|x) ‖ N(0, I)) тянет каждое q(z|x) к априорному распределению. β = 1 — это ELBO. &lt;b&gt;Увеличьте β&lt;/b&gt;, и победит KL: KL по измерениям падает, пока измерения не схлопнутся (q(zⱼ|x) = N(0, 1) для всех x), реконструкции размываются, а сэмплы из априорного распределения больше похожи на данные. &lt;b&gt;Уменьшите β до 0&lt;/b&gt;, и останется только реконструкция: реконструкции становятся чётче, коды уходят от априорного распределения, а выход декодировщика для z ~ N(0, I) превращается в шум.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="39"/>
        <source>KLⱼ = mean over test x of ½(μⱼ² + σⱼ² − 1 − log σⱼ²); a dimension is active when KLⱼ ≥ {nats} nats. KL and recon: the newest training batch, nats per example.</source>
        <translation>KLⱼ = среднее по тестовым x величины ½(μⱼ² + σⱼ² − 1 − log σⱼ²); измерение активно, когда KLⱼ ≥ {nats} нат. KL и реконструкция: последний обучающий батч, нат на пример.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="41"/>
        <source>β now (vae.beta)</source>
        <translation>β сейчас (vae.beta)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="41"/>
        <source>KL term Σⱼ KLⱼ</source>
        <translation>слагаемое KL Σⱼ KLⱼ</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="42"/>
        <source>active dimensions (KLⱼ ≥ {nats})</source>
        <translation>активные измерения (KLⱼ ≥ {nats})</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="43"/>
        <location filename="../../gui/panels/vae_views.py" line="28"/>
        <source>recon −log p(x|z)</source>
        <translation>реконструкция −log p(x|z)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="44"/>
        <source>Raise β to {beta:g}</source>
        <translation>Увеличить β до {beta:g}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="45"/>
        <source>Lower β to {beta:g}</source>
        <translation>Уменьшить β до {beta:g}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="46"/>
        <source>β = 1 (the ELBO)</source>
        <translation>β = 1 (ELBO)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="49"/>
        <source>Press Train, then raise β or lower it to 0 while it trains.</source>
        <translation>Нажмите «Обучать», затем во время обучения увеличьте β или уменьшите его до 0.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="51"/>
        <source>β = 0: no regulariser. Reconstructions sharpen; the codes spread away from N(0, I), so the samples (decoder(z), z ~ N(0, I)) turn to noise. Press β = 1 or raise β to bring them back.</source>
        <translation>β = 0: регуляризатора нет. Реконструкции становятся чётче; коды расходятся от N(0, I), поэтому сэмплы (выход декодировщика для z ~ N(0, I)) превращаются в шум. Нажмите «β = 1» или увеличьте β, чтобы их вернуть.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="53"/>
        <source>β = {beta:g} &gt; 1: the KL term dominates. {collapsed} of {dims} dimensions have collapsed (grey bars in KL per dimension); reconstructions blur and samples improve as more collapse.</source>
        <translation>β = {beta:g} &gt; 1: доминирует слагаемое KL. Схлопнулось измерений: {collapsed} из {dims} (серые столбцы в панели KL по измерениям); реконструкции размываются, а сэмплы улучшаются по мере схлопывания.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="55"/>
        <source>β = {beta:g}: {active} of {dims} dimensions carry information about x. Raise β to watch them collapse, or lower it to 0 to drop the regulariser.</source>
        <translation>β = {beta:g}: информацию об x несут измерений: {active} из {dims}. Увеличьте β, чтобы увидеть, как они схлопываются, или уменьшите до 0, чтобы убрать регуляризатор.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_lesson.py" line="147"/>
        <location filename="../../gui/panels/vae_lesson.py" line="148"/>
        <source>{} nats</source>
        <translation>{} нат</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="21"/>
        <source>Each slider sets one coordinate of z (±3, where N(0, I) puts 99.7% of its mass). decoder(z) is drawn at once, on the window&apos;s copy of the decoder, while training runs.</source>
        <translation>Каждый ползунок задаёт одну координату z (±3, где сосредоточено 99,7% массы N(0, I)). Выход декодировщика рисуется сразу, на копии декодировщика в окне, пока идёт обучение.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="38"/>
        <source>Reconstructions</source>
        <translation>Реконструкции</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="41"/>
        <source>Left: test images x. Right: decoder(μ(x)), the mean of p(x|z) at z = μ(x), q(z|x)&apos;s mean.</source>
        <translation>Слева: тестовые изображения x. Справа: декодировщик(μ(x)) — среднее p(x|z) при z = μ(x), среднем q(z|x).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="45"/>
        <source>test images x</source>
        <translation>тестовые изображения x</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="46"/>
        <source>reconstructions decoder(μ(x))</source>
        <translation>декодировщик(μ(x))</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="68"/>
        <source>decoder(z) for fixed z ~ N(0, I): the same z every frame, so only the decoder changes.</source>
        <translation>декодировщик(z) для фиксированных z ~ N(0, I): в каждом кадре те же z, меняется только декодировщик.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="86"/>
        <source>Manifold: decoder over the z plane</source>
        <translation>Многообразие: декодировщик на плоскости z</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="89"/>
        <source>decoder(z) on a regular grid of z = (Φ⁻¹(u₀), Φ⁻¹(u₁)), u from 0.05 to 0.95: z₀ grows to the right, z₁ upwards (Kingma &amp; Welling, fig. 4).</source>
        <translation>декодировщик(z) на регулярной сетке z = (Φ⁻¹(u₀), Φ⁻¹(u₁)), u от 0,05 до 0,95: z₀ растёт вправо, z₁ вверх (Кингма и Веллинг, рис. 4).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="111"/>
        <source>Latent sliders → decoder(z)</source>
        <translation>Латентные ползунки → декодировщик(z)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="114"/>
        <source>Encode sets z = μ(x), the mean of q(z|x), for test example x; the picture is decoder(z).</source>
        <translation>«Закодировать» задаёт z = μ(x), среднее q(z|x), для тестового примера x; картинка — декодировщик(z).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="123"/>
        <source>test example index (the first 16 are the reconstruction grid&apos;s, in order)</source>
        <translation>номер тестового примера (первые 16 — примеры сетки реконструкций, по порядку)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="124"/>
        <source>Encode</source>
        <translation>Закодировать</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="127"/>
        <source>train to encode test examples</source>
        <translation>обучите модель, чтобы кодировать тестовые примеры</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="130"/>
        <source>test example</source>
        <translation>тестовый пример</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="154"/>
        <source>no encoder output yet: press Train (or Step) first</source>
        <translation>выхода кодировщика пока нет: сначала нажмите «Обучать» (или «Шаг»)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="163"/>
        <source>(label {})</source>
        <translation>(метка {})</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="165"/>
        <source>z = μ(x) of test example {}</source>
        <translation>z = μ(x) тестового примера {}</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="166"/>
        <source>; clipped to ±3</source>
        <translation>; обрезано до ±3</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="186"/>
        <source>test example whose μ is z₀</source>
        <translation>тестовый пример, чьё μ — это z₀</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="187"/>
        <source>test example whose μ is z₁</source>
        <translation>тестовый пример, чьё μ — это z₁</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="188"/>
        <source>Between these test examples</source>
        <translation>Между этими тестовыми примерами</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="191"/>
        <source>z₀ = μ of test example</source>
        <translation>z₀ = μ тестового примера</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_panels.py" line="192"/>
        <source>z₁ = μ of test example</source>
        <translation>z₁ = μ тестового примера</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="26"/>
        <source>Losses (−ELBO = reconstruction + KL)</source>
        <translation>Функция потерь (−ELBO = реконструкция + KL)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="28"/>
        <source>−ELBO</source>
        <translation>−ELBO</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="29"/>
        <source>test −ELBO</source>
        <translation>тест −ELBO</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="30"/>
        <source>test recon</source>
        <translation>тест реконструкция</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="30"/>
        <source>test KL</source>
        <translation>тест KL</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="32"/>
        <source>ELBO = Σᵢ E_q(z|xᵢ) log p(xᵢ|z) − KL(q(z|xᵢ) ‖ N(0, I)), maximised. Plotted per example: −ELBO = reconstruction + KL. Solid: training batch; dashed: the periodic pass over the test set.</source>
        <translation>ELBO = Σᵢ E_q(z|xᵢ) log p(xᵢ|z) − KL(q(z|xᵢ) ‖ N(0, I)), её максимизируют. На графике на один пример: −ELBO = реконструкция + KL. Сплошные: обучающий батч; пунктир: периодический проход по тестовой выборке.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="72"/>
        <source>KL per latent dimension</source>
        <translation>KL по латентным измерениям</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="75"/>
        <source>KLⱼ = mean over test x of ½(μⱼ² + σⱼ² − 1 − log σⱼ²); Σⱼ KLⱼ is the KL term. A grey bar (KLⱼ &lt; {nats} nats) is a collapsed dimension: q(zⱼ|x) ≈ N(0, 1) for every x, so zⱼ carries no information about x.</source>
        <translation>KLⱼ = среднее по тестовым x величины ½(μⱼ² + σⱼ² − 1 − log σⱼ²); Σⱼ KLⱼ — слагаемое KL. Серый столбец (KLⱼ &lt; {nats} нат) — схлопнувшееся измерение: q(zⱼ|x) ≈ N(0, 1) для всех x, поэтому zⱼ не несёт информации об x.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="84"/>
        <source>latent dimension j</source>
        <translation>латентное измерение j</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="85"/>
        <source>KLⱼ (nats)</source>
        <translation>KLⱼ (нат)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="93"/>
        <source>active dimensions: –</source>
        <translation>активные измерения: –</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="112"/>
        <source>active dimensions: {} of {}    Σⱼ KLⱼ = {:.2f} nats</source>
        <translation>активные измерения: {} из {}    Σⱼ KLⱼ = {:.2f} нат</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="120"/>
        <source>Latent space: μ(x) of test examples</source>
        <translation>Латентное пространство: μ(x) тестовых примеров</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="134"/>
        <source>label</source>
        <translation>метка</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="134"/>
        <source>PC 1</source>
        <translation>ГК 1</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="134"/>
        <source>PC 2</source>
        <translation>ГК 2</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="151"/>
        <source>Fit view</source>
        <translation>Вписать</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="167"/>
        <source>μ itself (z₀, z₁)</source>
        <translation>само μ (z₀, z₁)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="167"/>
        <source>μ against the label</source>
        <translation>μ против метки</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="168"/>
        <source>μ projected onto its top two principal axes (PCA)</source>
        <translation>проекция μ на две главные оси (метод главных компонент)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="169"/>
        <source>coloured by its label (images: the class; 2-D data: the mode, moon, ring or arm x lies on)</source>
        <translation>цвет — по метке (изображения: класс; данные на плоскости: мода, луна, кольцо или рукав, на котором лежит x)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="170"/>
        <source>all one colour: this data set has no labels or separate parts</source>
        <translation>всё одного цвета: у этого набора данных нет меток или отдельных частей</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="171"/>
        <source>Each point is q(z|x)&apos;s mean μ(x) for a test x, {colour}; shown: {how}. The KL term pulls every q(z|x) toward N(0, I). Click a point to decode its μ.</source>
        <translation>Каждая точка — среднее μ(x) распределения q(z|x) для тестового x, {colour}; показано: {how}. Слагаемое KL тянет каждое q(z|x) к N(0, I). Щёлкните точку, чтобы декодировать её μ.</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="211"/>
        <source>colour = label:</source>
        <translation>цвет = метка:</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="285"/>
        <source>Blue: data x. Orange: reconstructions decoder(μ(x)), joined to their x by grey lines. Purple: samples decoder(z), z ~ N(0, I) (the means; p(x|z) adds noise of std σ, the ellipse around the star). Grid: the decoder applied to a regular grid in (z₀, z₁).</source>
        <translation>Синие: данные x. Оранжевые: реконструкции декодировщик(μ(x)), соединённые со своими x серыми линиями. Фиолетовые: сэмплы декодировщик(z), z ~ N(0, I) (средние; p(x|z) добавляет шум со ст. откл. σ — эллипс вокруг звезды). Сетка: декодировщик, применённый к регулярной сетке в (z₀, z₁).</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="309"/>
        <source>reconstruction decoder(μ(x))</source>
        <translation>реконструкция декодировщик(μ(x))</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="310"/>
        <source>sample decoder(z)</source>
        <translation>сэмпл декодировщик(z)</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="311"/>
        <source>decoder(z) of the sliders</source>
        <translation>декодировщик(z) ползунков</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="312"/>
        <source>data</source>
        <translation>данные</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="312"/>
        <source>reconstructions</source>
        <translation>реконструкции</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="313"/>
        <source>x → reconstruction</source>
        <translation>x → реконструкция</translation>
    </message>
    <message>
        <location filename="../../gui/panels/flow_views.py" line="198"/>
        <location filename="../../gui/panels/vae_views.py" line="313"/>
        <source>samples</source>
        <translation>сэмплы</translation>
    </message>
    <message>
        <location filename="../../gui/panels/vae_views.py" line="358"/>
        <source>σ of p(x|z) = ({})</source>
        <translation>σ распределения p(x|z) = ({})</translation>
    </message>
</context>
<context>
    <name>SettingsPanel</name>
    <message>
        <location filename="../../gui/settings_panel.py" line="34"/>
        <source>(defaults)</source>
        <translation>(по умолчанию)</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="37"/>
        <source>data</source>
        <translation>Данные</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="37"/>
        <source>train</source>
        <translation>Обучение</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="58"/>
        <source>file for csv / image data</source>
        <translation>файл для данных csv / изображений</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="59"/>
        <source>Browse…</source>
        <translation>Обзор…</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="61"/>
        <source>Draw points…</source>
        <translation>Нарисовать…</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="62"/>
        <source>Draw your own 2-D points with the mouse and train on them (csv data set)</source>
        <translation>Нарисуйте мышью свои точки на плоскости и обучите на них модель (набор данных csv)</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="73"/>
        <source>model</source>
        <translation>модель</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="77"/>
        <source>data set</source>
        <translation>данные</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="81"/>
        <source>file</source>
        <translation>файл</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="82"/>
        <source>preset</source>
        <translation>пресет</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="138"/>
        <source>Data file</source>
        <translation>Файл данных</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="139"/>
        <source>Data (*.csv *.npy *.npz);;All files (*)</source>
        <translation>Данные (*.csv *.npy *.npz);;Все файлы (*)</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="189"/>
        <source>allowed: {}</source>
        <translation>допустимо: {}</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="191"/>
        <source>● applies while training runs</source>
        <translation>● применяется во время обучения</translation>
    </message>
    <message>
        <location filename="../../gui/settings_panel.py" line="257"/>
        <source>Press Reset to apply: {}</source>
        <translation>Нажмите «Сброс», чтобы применить: {}</translation>
    </message>
</context>
<context>
    <name>TimelineBar</name>
    <message>
        <location filename="../../gui/timeline_bar.py" line="21"/>
        <location filename="../../gui/timeline_bar.py" line="38"/>
        <source>Timeline</source>
        <translation>Шкала времени</translation>
    </message>
    <message>
        <location filename="../../gui/timeline_bar.py" line="29"/>
        <source>Drag to show every panel as the run was at a recorded step; training goes on</source>
        <translation>Перетащите, чтобы показать все панели такими, какими они были на записанном шаге; обучение продолжается</translation>
    </message>
    <message>
        <location filename="../../gui/timeline_bar.py" line="31"/>
        <source>live</source>
        <translation>сейчас</translation>
    </message>
    <message>
        <location filename="../../gui/timeline_bar.py" line="34"/>
        <source>Live</source>
        <translation>Сейчас</translation>
    </message>
    <message>
        <location filename="../../gui/timeline_bar.py" line="36"/>
        <source>Back to the present: the newest views and the whole history</source>
        <translation>Вернуться в настоящее: новейшие виды и вся история</translation>
    </message>
    <message>
        <location filename="../../gui/timeline_bar.py" line="67"/>
        <source>live · step {:,} · {} recorded steps</source>
        <translation>сейчас · шаг {:,} · записано шагов: {}</translation>
    </message>
    <message>
        <location filename="../../gui/timeline_bar.py" line="69"/>
        <source>showing step {:,} of {:,} · {} recorded steps</source>
        <translation>показан шаг {:,} из {:,} · записано шагов: {}</translation>
    </message>
</context>
</TS>
