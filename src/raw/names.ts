// Display names of generated creators: first names by region and gender, family names by region, and the
// decorations creators add (emoji, numbers, a category tag) so that names are unique-ish within a region.
// Regions sharing a naming culture share a list (e.g. SG uses the English and Chinese lists).

export interface NameList {
  readonly female: readonly string[];
  readonly male: readonly string[];
  readonly family: readonly string[];
}

// prettier-ignore
const LISTS: Record<string, NameList> = {
  en: {
    female: ['Emma', 'Olivia', 'Ava', 'Sophia', 'Mia', 'Isabella', 'Amelia', 'Harper', 'Evelyn', 'Abigail', 'Ella', 'Grace', 'Chloe', 'Lily', 'Madison', 'Hannah', 'Zoe', 'Natalie', 'Brooke', 'Jasmine', 'Taylor', 'Kayla', 'Ruby', 'Ivy'],
    male: ['Liam', 'Noah', 'Oliver', 'James', 'Elijah', 'William', 'Henry', 'Lucas', 'Benjamin', 'Mason', 'Ethan', 'Logan', 'Jack', 'Ryan', 'Tyler', 'Jordan', 'Austin', 'Caleb', 'Dylan', 'Nathan', 'Jake', 'Cody', 'Brandon', 'Marcus'],
    family: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor', 'Thomas', 'Moore', 'Jackson', 'Martin', 'Lee', 'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Hall', 'Allen', 'Young', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Carter'],
  },
  es: {
    female: ['Sofía', 'Valentina', 'Camila', 'Regina', 'Ximena', 'Mariana', 'Daniela', 'Fernanda', 'Lucía', 'Paula', 'Andrea', 'Gabriela', 'Natalia', 'Renata', 'Valeria', 'Itzel', 'Karla', 'Lupita', 'Alejandra', 'Jimena'],
    male: ['Santiago', 'Mateo', 'Sebastián', 'Diego', 'Emiliano', 'Leonardo', 'Daniel', 'Alejandro', 'Miguel', 'José', 'Carlos', 'Luis', 'Juan', 'Jorge', 'Ricardo', 'Fernando', 'Iker', 'Rodrigo', 'Andrés', 'Eduardo'],
    family: ['García', 'Hernández', 'Martínez', 'López', 'González', 'Pérez', 'Rodríguez', 'Sánchez', 'Ramírez', 'Cruz', 'Flores', 'Gómez', 'Morales', 'Vázquez', 'Reyes', 'Jiménez', 'Torres', 'Díaz', 'Gutiérrez', 'Ruiz', 'Mendoza', 'Aguilar', 'Ortiz', 'Castillo', 'Romero', 'Herrera'],
  },
  pt: {
    female: ['Ana', 'Beatriz', 'Larissa', 'Juliana', 'Camila', 'Fernanda', 'Gabriela', 'Letícia', 'Mariana', 'Bruna', 'Amanda', 'Luana', 'Carolina', 'Isabela', 'Yasmin', 'Raíssa', 'Thaís', 'Vitória', 'Manuela', 'Helena'],
    male: ['João', 'Pedro', 'Lucas', 'Gabriel', 'Rafael', 'Matheus', 'Gustavo', 'Felipe', 'Bruno', 'Thiago', 'Caio', 'Vinícius', 'Leonardo', 'Enzo', 'Davi', 'Arthur', 'Heitor', 'Rodrigo', 'Diego', 'Murilo'],
    family: ['Silva', 'Santos', 'Oliveira', 'Souza', 'Rodrigues', 'Ferreira', 'Alves', 'Pereira', 'Lima', 'Gomes', 'Costa', 'Ribeiro', 'Martins', 'Carvalho', 'Almeida', 'Lopes', 'Soares', 'Fernandes', 'Vieira', 'Barbosa', 'Rocha', 'Dias', 'Nascimento', 'Andrade', 'Moreira', 'Cardoso'],
  },
  id: {
    female: ['Putri', 'Ayu', 'Dewi', 'Siti', 'Nur', 'Intan', 'Rina', 'Fitri', 'Wulan', 'Sari', 'Indah', 'Citra', 'Anisa', 'Dinda', 'Nabila', 'Aulia', 'Salsabila', 'Tiara', 'Maharani', 'Kirana'],
    male: ['Rizky', 'Budi', 'Agus', 'Dimas', 'Fajar', 'Bayu', 'Andi', 'Arif', 'Eko', 'Hendra', 'Yoga', 'Reza', 'Fikri', 'Ilham', 'Aditya', 'Galih', 'Raka', 'Bima', 'Rangga', 'Teguh'],
    family: ['Pratama', 'Saputra', 'Wijaya', 'Santoso', 'Hidayat', 'Kusuma', 'Nugroho', 'Setiawan', 'Lestari', 'Rahmawati', 'Susanto', 'Gunawan', 'Hartono', 'Purnomo', 'Wibowo', 'Firmansyah', 'Ramadhan', 'Utami', 'Permana', 'Putra', 'Halim', 'Syahputra', 'Maulana', 'Anggraini'],
  },
  ms: {
    female: ['Nur', 'Siti', 'Aisyah', 'Nurul', 'Farah', 'Aina', 'Alya', 'Balqis', 'Hana', 'Irdina', 'Sofea', 'Damia', 'Mei Ling', 'Priya', 'Kavitha', 'Xin Yi'],
    male: ['Muhammad', 'Ahmad', 'Amir', 'Haziq', 'Irfan', 'Hakim', 'Faris', 'Danial', 'Aiman', 'Syafiq', 'Zul', 'Arif', 'Wei Jie', 'Arjun', 'Ravi', 'Jun Hao'],
    family: ['Abdullah', 'Ibrahim', 'Ismail', 'Hassan', 'Rahman', 'Yusof', 'Osman', 'Razak', 'Hamid', 'Aziz', 'Tan', 'Lim', 'Lee', 'Wong', 'Ng', 'Chong', 'Raj', 'Kumar', 'Nair', 'Zainal'],
  },
  th: {
    female: ['Ploy', 'Nong', 'Fah', 'Mint', 'Pim', 'Kanya', 'Siriporn', 'Nattaya', 'Pranee', 'Ying', 'Bow', 'Praew', 'Fern', 'Noon', 'Aom', 'Kwan'],
    male: ['Somchai', 'Anan', 'Krit', 'Niran', 'Tawan', 'Chai', 'Arthit', 'Kittisak', 'Pong', 'Boss', 'Bank', 'Beam', 'Golf', 'Ton', 'Nut', 'Oat'],
    family: ['Srisuk', 'Saetang', 'Wongsa', 'Chaiyaporn', 'Suksawat', 'Rattanakul', 'Boonmee', 'Thongdee', 'Kaewkla', 'Prasert', 'Jaidee', 'Sombat', 'Phromma', 'Inthong', 'Sukjai', 'Chanthep'],
  },
  vi: {
    female: ['Linh', 'Trang', 'Ngọc', 'Hương', 'Lan', 'Mai', 'Thảo', 'Hà', 'Vy', 'Anh', 'Nhung', 'Yến', 'Hằng', 'Phương', 'Quỳnh', 'Chi'],
    male: ['Minh', 'Huy', 'Tuấn', 'Nam', 'Đức', 'Hùng', 'Khoa', 'Long', 'Phúc', 'Quang', 'Sơn', 'Thắng', 'Trung', 'Việt', 'Bảo', 'Dũng'],
    family: ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'],
  },
  tl: {
    female: ['Maria', 'Angel', 'Princess', 'Kristine', 'Jasmine', 'Andrea', 'Nicole', 'Mae', 'Joy', 'Bea', 'Trisha', 'Kathryn', 'Janine', 'Camille', 'Rhea', 'Liza'],
    male: ['Jose', 'Mark', 'John', 'Paolo', 'Miguel', 'Carlo', 'Rafael', 'Kevin', 'Joshua', 'Jericho', 'Enrique', 'Marco', 'Angelo', 'Bryan', 'Renz', 'Jomar'],
    family: ['Santos', 'Reyes', 'Cruz', 'Bautista', 'Ocampo', 'Garcia', 'Mendoza', 'Torres', 'Dela Cruz', 'Villanueva', 'Ramos', 'Aquino', 'Castillo', 'Navarro', 'Manalo', 'Domingo', 'Salazar', 'Pascual'],
  },
  ar: {
    female: ['Noura', 'Sara', 'Reem', 'Lama', 'Huda', 'Maha', 'Aisha', 'Fatimah', 'Jood', 'Dana', 'Rahaf', 'Shahad', 'Layan', 'Ghada', 'Hind', 'Asma'],
    male: ['Mohammed', 'Abdullah', 'Faisal', 'Khalid', 'Saud', 'Fahad', 'Omar', 'Turki', 'Nasser', 'Sultan', 'Yousef', 'Majed', 'Bandar', 'Rakan', 'Ziyad', 'Hamad'],
    family: ['Al-Qahtani', 'Al-Harbi', 'Al-Ghamdi', 'Al-Zahrani', 'Al-Otaibi', 'Al-Dosari', 'Al-Shehri', 'Al-Mutairi', 'Al-Subaie', 'Al-Anazi', 'Al-Shammari', 'Al-Malki', 'Al-Amri', 'Al-Juhani', 'Al-Rashid', 'Al-Saud'],
  },
  de: {
    female: ['Lena', 'Hannah', 'Leonie', 'Lea', 'Anna', 'Laura', 'Marie', 'Sophie', 'Johanna', 'Lisa', 'Julia', 'Katharina', 'Emilia', 'Clara', 'Greta', 'Jana'],
    male: ['Jonas', 'Leon', 'Lukas', 'Finn', 'Paul', 'Felix', 'Maximilian', 'Elias', 'Niklas', 'Tim', 'Jan', 'Moritz', 'Tobias', 'Florian', 'Sebastian', 'Kai'],
    family: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Braun', 'Zimmermann'],
  },
  fr: {
    female: ['Léa', 'Manon', 'Chloé', 'Camille', 'Inès', 'Jade', 'Louise', 'Clara', 'Sarah', 'Lina', 'Juliette', 'Océane', 'Margaux', 'Élise', 'Anaïs', 'Mathilde'],
    male: ['Lucas', 'Hugo', 'Louis', 'Gabriel', 'Arthur', 'Théo', 'Nathan', 'Jules', 'Raphaël', 'Maxime', 'Antoine', 'Thomas', 'Clément', 'Baptiste', 'Enzo', 'Mathis'],
    family: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefebvre', 'Michel', 'Garnier', 'Rousseau', 'Fontaine', 'Chevalier'],
  },
  ja: {
    female: ['Yui', 'Hina', 'Sakura', 'Aoi', 'Yuna', 'Mio', 'Rin', 'Haruka', 'Miku', 'Nana', 'Saki', 'Airi', 'Mei', 'Kaho', 'Riko', 'Momoka'],
    male: ['Haruto', 'Sota', 'Yuto', 'Riku', 'Ren', 'Kaito', 'Takumi', 'Daiki', 'Shota', 'Kenta', 'Yuki', 'Hayato', 'Sho', 'Ryo', 'Kazuki', 'Tatsuya'],
    family: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi', 'Kato', 'Yoshida', 'Yamada', 'Sasaki', 'Matsumoto', 'Inoue', 'Kimura'],
  },
  zh: {
    female: ['Mei', 'Xin Yi', 'Hui Min', 'Jia Hui', 'Li Ting', 'Shu Fen', 'Wen Xin', 'Yu Xuan', 'Jia Yi', 'Zi Han', 'Xiao Wen', 'Ling'],
    male: ['Wei', 'Jun Jie', 'Zhi Hao', 'Jia Le', 'Yi Xuan', 'Hao Ran', 'Zi Xuan', 'Jun Wei', 'Ming', 'Jian', 'Kai Wen', 'Tian'],
    family: ['Tan', 'Lim', 'Lee', 'Ng', 'Ong', 'Wong', 'Goh', 'Chua', 'Chan', 'Koh', 'Teo', 'Ang', 'Yeo', 'Tay', 'Ho', 'Low'],
  },
};

/** The naming culture of each generated region (the US also draws Spanish names for Spanish speakers). */
export const REGION_NAMES: Readonly<Record<string, string>> = {
  US: 'en',
  GB: 'en',
  ID: 'id',
  MX: 'es',
  BR: 'pt',
  TH: 'th',
  VN: 'vi',
  PH: 'tl',
  MY: 'ms',
  SA: 'ar',
  DE: 'de',
  SG: 'zh',
  FR: 'fr',
  JP: 'ja',
};

/** The name lists, in a fixed order (the generator indexes them). */
export const NAME_LISTS: readonly (readonly [string, NameList])[] = Object.entries(LISTS);

/** Emoji creators put in display names. */
// prettier-ignore
export const NAME_EMOJI = [
  '✨', '💖', '🌸', '🔥', '💫', '🌙', '☀️', '🌿', '🦋', '💄', '🎮', '⚽', '🍜', '📚', '🎧', '💪', '🐾', '🌈',
  '⭐', '🍓', '💎', '🎀', '🌊', '🍀', '👑', '🌻', '😎', '🤍', '🖤', '💜',
];
